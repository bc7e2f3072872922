/**
 * The console benchmarks' viewer side ("the browser"), in a process of its own: it runs one job
 * sent over IPC and answers with its measurements.
 */
import { type Transport, Encodings, FrameCounter, RfbViewer, tcpTransport, wsTransport } from './rfb-client.js';

export type Target = { tcp: { host: string; port: number } } | { ws: string };

export type ClientJob =
  | { kind: 'throughput'; target: Target; seconds: number; inFlight: number }
  | { kind: 'setup'; targets: Target[] }
  | { kind: 'keystrokes'; target: Target; password: string | null; count: number }
  | { kind: 'sessions'; targets: Target[]; password: string | null; concurrency: number };

export type ClientAnswer =
  | { kind: 'throughput'; bytes: number; seconds: number; frames: number; cpuSeconds: number }
  | { kind: 'setup'; ms: number[] }
  | { kind: 'keystrokes'; ms: number[] }
  | { kind: 'sessions'; open: number; ms: number };

const open = (target: Target): Promise<Transport> =>
  'tcp' in target ? tcpTransport(target.tcp.host, target.tcp.port) : wsTransport(target.ws);

async function throughput(job: Extract<ClientJob, { kind: 'throughput' }>): Promise<ClientAnswer> {
  const viewer = await RfbViewer.handshake(await open(job.target), null);
  viewer.setEncodings([Encodings.Raw]);
  let stop = false;
  // Each finished frame asks for the next, keeping `inFlight` requests outstanding, so the source
  // is never idle and no relay waits for a round trip.
  const counter = new FrameCounter(viewer.init.bytesPerPixel, () => {
    if (!stop) viewer.requestUpdate(false);
  });
  viewer.stream(counter.push);
  for (let i = 0; i < job.inFlight; i++) viewer.requestUpdate(false);
  // The first half second is warm-up (TCP windows, JIT), then the clock runs.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const started = performance.now();
  const startBytes = counter.bytes;
  const startFrames = counter.frames;
  const cpu = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, job.seconds * 1000));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const answer = {
    kind: 'throughput' as const,
    bytes: counter.bytes - startBytes,
    seconds,
    frames: counter.frames - startFrames,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
  stop = true;
  viewer.transport.close();
  return answer;
}

/** Time from starting to connect to the first byte of the RFB server's version string. */
async function setup(job: Extract<ClientJob, { kind: 'setup' }>): Promise<ClientAnswer> {
  const ms: number[] = [];
  for (const target of job.targets) {
    const started = performance.now();
    const transport = await open(target);
    await new Promise<void>((resolve) => transport.receive(() => resolve()));
    ms.push(performance.now() - started);
    transport.close();
    await transport.closed;
  }
  return { kind: 'setup', ms };
}

const KEY_A = 0x61;
const BACKSPACE = 0xff08;

/** KeyEvent to the FramebufferUpdate that shows its echo, typing 'a' and BackSpace in turn. */
async function keystrokes(job: Extract<ClientJob, { kind: 'keystrokes' }>): Promise<ClientAnswer> {
  const viewer = await RfbViewer.handshake(await open(job.target), job.password);
  viewer.setEncodings([Encodings.Raw]);
  let onFrame: () => void = () => {};
  const counter = new FrameCounter(viewer.init.bytesPerPixel, () => onFrame());
  viewer.stream(counter.push);
  const nextFrame = () => new Promise<void>((resolve) => (onFrame = resolve));
  let frame = nextFrame();
  viewer.requestUpdate(false);
  await frame;
  // Let the screen settle (a guest may still be drawing its prompt), then measure.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const ms: number[] = [];
  for (let i = 0; i < job.count; i++) {
    frame = nextFrame();
    viewer.requestUpdate(true);
    const started = performance.now();
    viewer.key(i % 2 === 0 ? KEY_A : BACKSPACE);
    await frame;
    ms.push(performance.now() - started);
  }
  viewer.transport.close();
  return { kind: 'keystrokes', ms };
}

/**
 * Opens every session as noVNC would (handshake, its pixel format and encodings, a full update,
 * then an incremental request left outstanding) and keeps them idle until told to close.
 */
async function sessions(job: Extract<ClientJob, { kind: 'sessions' }>): Promise<ClientAnswer> {
  const started = performance.now();
  const viewers: RfbViewer[] = [];
  let next = 0;
  const worker = async () => {
    while (next < job.targets.length) {
      const target = job.targets[next++]!;
      const viewer = await RfbViewer.handshake(await open(target), job.password);
      viewer.setNoVncPixelFormat();
      viewer.setEncodings(Encodings.noVnc);
      viewer.stream(() => {});
      viewer.requestUpdate(false);
      viewer.requestUpdate(true);
      viewers.push(viewer);
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  process.once('message', () => {
    for (const viewer of viewers) viewer.transport.close();
    process.exit(0);
  });
  return { kind: 'sessions', open: viewers.length, ms: performance.now() - started };
}

process.once('message', async (job: ClientJob) => {
  const answer =
    job.kind === 'throughput'
      ? await throughput(job)
      : job.kind === 'setup'
        ? await setup(job)
        : job.kind === 'keystrokes'
          ? await keystrokes(job)
          : await sessions(job);
  process.send!(answer);
  if (job.kind !== 'sessions') process.disconnect();
});
