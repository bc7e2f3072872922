// The web terminal: Alibaba's page parameters (vncUrl, instanceId, isWindows, password) in, an
// instance console out, through noVNC served as published. The page says plainly why a session
// ended: the gateway's WebSocket close codes, or, for a connection refused at the upgrade (which a
// browser only reports as "closed"), the gateway's own account of the link, read without using it.
import RFB from '/novnc/core/rfb.js';

const $ = (id) => document.getElementById(id);

/** Close codes the gateway sends (src/console/session.ts), in plain words. */
const CLOSE_REASONS = {
  4000: ['Closed for inactivity', (reason) => `Nobody typed or moved the mouse for a while (${reason}).`],
  4001: ['Instance stopped', () => 'The instance was stopped, which ends its console sessions.'],
  4002: ['Instance deleted', () => 'The instance was deleted.'],
  4003: ['VNC password changed', () => "The instance's VNC password was changed, which ends its console sessions."],
  1001: ['Server shut down', () => 'The console server shut down.'],
  1000: ['Console closed', () => "The instance's console closed the connection."],
  1002: ['Viewer not supported', () => 'The console gateway could not follow this viewer.'],
};

/** What the gateway says about a refused link (code -> heading). */
const REFUSAL_TITLES = {
  ConsoleTokenExpired: 'This console link has expired',
  ConsoleTokenUsed: 'This console link was already used',
  ConsoleTokenInvalid: 'This console link is not valid',
  ConsoleTokenMissing: 'This console link is not valid',
  ConsoleReconnectLimit: 'Too many connections to this instance',
  ConsoleUnavailable: 'The instance console is not available',
  InstanceLocked: 'The instance is locked',
};

/**
 * vncUrl arrives percent-encoded once (as DescribeInstanceVncUrl returns it) or twice (some
 * callers encode it again); URLSearchParams removed one layer already.
 */
function decodeVncUrl(value) {
  let url = value ?? '';
  for (let i = 0; i < 2 && !/^wss?:\/\//i.test(url) && /%[0-9a-f]{2}/i.test(url); i++) {
    try {
      url = decodeURIComponent(url);
    } catch {
      break;
    }
  }
  return url;
}

/**
 * Only this server's own gateway: a link that points the page (and a typed password's DES
 * response) at another host is refused.
 */
function checkedGatewayUrl(raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const sameScheme = url.protocol === (window.location.protocol === 'https:' ? 'wss:' : 'ws:');
  const gatewayPath = url.pathname === '/websockify/' || url.pathname === '/websockify';
  if (!sameScheme || url.host !== window.location.host || !gatewayPath || !url.searchParams.get('s')) return null;
  return url;
}

function setState(state, text) {
  document.body.dataset.state = state;
  $('state').textContent = text;
}

function showEnded(title, reason) {
  setState('disconnected', `Disconnected: ${title}`);
  $('ended-title').textContent = title;
  $('ended-reason').textContent = reason;
  $('ended').hidden = false;
  $('password-form').hidden = true;
  $('ctrl-alt-del').disabled = true;
  $('disconnect').disabled = true;
}

/** Asks the gateway, without consuming the token, why an upgrade with it is refused. */
async function refusalOf(gatewayUrl) {
  const statusUrl = new URL(gatewayUrl);
  statusUrl.protocol = window.location.protocol;
  try {
    const response = await window.fetch(statusUrl, { cache: 'no-store' });
    const body = await response.json();
    if (response.ok) return null;
    return { title: REFUSAL_TITLES[body.code] ?? 'The connection was refused', reason: body.message };
  } catch {
    return null;
  }
}

function start() {
  const params = new URLSearchParams(window.location.search);
  const instanceId = params.get('instanceId') ?? '';
  const isWindows = /^true$/i.test(params.get('isWindows') ?? '');
  const password = params.get('password');
  const rawUrl = decodeVncUrl(params.get('vncUrl'));
  // The query holds a single-use token and maybe a password: keep neither in the history.
  window.history.replaceState(null, '', window.location.pathname);

  $('instance-id').textContent = instanceId || '(not given)';
  $('os-hint').hidden = !isWindows;
  document.title = instanceId ? `Console: ${instanceId}` : 'Instance console';

  const gatewayUrl = checkedGatewayUrl(rawUrl);
  if (!gatewayUrl) {
    showEnded(
      'This console link is not valid',
      'The vncUrl parameter must be a VncUrl returned by DescribeInstanceVncUrl from this server.',
    );
    return;
  }

  setState('connecting', 'Connecting');
  const socket = new window.WebSocket(gatewayUrl);
  let opened = false;
  let closeEvent = null;
  let securityFailure = null;
  let userDisconnected = false;
  // Registered before noVNC takes the socket, so the close code is known when noVNC reports.
  socket.addEventListener('open', () => (opened = true));
  socket.addEventListener('close', (event) => (closeEvent = event));

  const rfb = new RFB($('screen'), socket, password ? { credentials: { password } } : {});
  rfb.focusOnClick = true;

  rfb.addEventListener('credentialsrequired', () => {
    setState('password', 'Waiting for the VNC password');
    $('password-form').hidden = false;
    $('password').focus();
  });
  $('password-form').addEventListener('submit', (event) => {
    event.preventDefault();
    $('password-form').hidden = true;
    setState('connecting', 'Authenticating');
    rfb.sendCredentials({ password: $('password').value });
    $('password').value = '';
  });
  rfb.addEventListener('securityfailure', (event) => {
    securityFailure = event.detail.reason || 'Authentication failed';
  });
  rfb.addEventListener('connect', () => {
    setState('connected', 'Connected');
    $('ctrl-alt-del').disabled = false;
    $('disconnect').disabled = false;
    rfb.focus();
  });
  $('ctrl-alt-del').addEventListener('click', () => {
    rfb.sendCtrlAltDel();
    rfb.focus();
  });
  $('disconnect').addEventListener('click', () => {
    userDisconnected = true;
    rfb.disconnect();
  });

  rfb.addEventListener('disconnect', async () => {
    if (userDisconnected) return showEnded('You disconnected', 'The session was closed from this page.');
    if (securityFailure)
      return showEnded('Wrong VNC password', `${securityFailure}. Check the VNC password set for this instance.`);
    if (!opened) {
      const refusal = await refusalOf(gatewayUrl);
      if (refusal) return showEnded(refusal.title, refusal.reason);
      return showEnded('The connection failed', 'The console gateway could not be reached.');
    }
    const known = closeEvent && CLOSE_REASONS[closeEvent.code];
    if (known) return showEnded(known[0], known[1](closeEvent.reason));
    showEnded('The connection was lost', 'The network connection to the console gateway was interrupted.');
  });
}

start();
