import { XMLBuilder } from 'fast-xml-parser';
import type { ApiResponse } from '../http-request.js';
import type { AliyunError } from './errors.js';

export type ResponseFormat = 'JSON' | 'XML';

const xml = new XMLBuilder({ ignoreAttributes: true, suppressEmptyNode: false, cdataPropName: '__cdata' });

function envelope(status: number, format: ResponseFormat, body: string, requestId: string): ApiResponse {
  return {
    status,
    headers: {
      'content-type': format === 'XML' ? 'text/xml;charset=utf-8' : 'application/json;charset=utf-8',
      'x-acs-request-id': requestId,
    },
    body,
  };
}

/**
 * The JSON of frozen fields, without its braces. Freezing fields is their maker's promise that
 * nothing in them, nested values included, will change, so they render the same every time:
 * DescribeInstanceAttribute answers one frozen shape per instance version (see its operation), and
 * rendering that 1.1 KB shape was a tenth of the request's server time.
 */
const renderedFields = new WeakMap<object, string>();

function fieldsJson(fields: Record<string, unknown>): string {
  if (!Object.isFrozen(fields)) return JSON.stringify(fields).slice(1, -1);
  let json = renderedFields.get(fields);
  if (json === undefined) renderedFields.set(fields, (json = JSON.stringify(fields).slice(1, -1)));
  return json;
}

/** A success body: the operation's fields plus RequestId, and never a Code (pop-core would throw). */
export function renderSuccess(
  action: string,
  fields: Record<string, unknown>,
  requestId: string,
  format: ResponseFormat,
): ApiResponse {
  if (format === 'JSON') {
    // The same bytes as JSON.stringify({ RequestId, ...fields }).
    const rest = fieldsJson(fields);
    return envelope(200, format, `{"RequestId":${JSON.stringify(requestId)}${rest && ','}${rest}}`, requestId);
  }
  const body = { RequestId: requestId, ...fields };
  return envelope(
    200,
    format,
    `<?xml version="1.0" encoding="UTF-8"?>${xml.build({ [`${action}Response`]: body })}`,
    requestId,
  );
}

export function renderError(error: AliyunError, requestId: string, format: ResponseFormat): ApiResponse {
  const recommend = `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=Ecs&requestId=${requestId}`;
  const fields = { RequestId: requestId, HostId: 'ecs.aliyuncs.com', Code: error.code, Message: error.message };
  const response =
    format === 'JSON'
      ? envelope(error.status, format, JSON.stringify({ ...fields, Recommend: recommend }), requestId)
      : envelope(
          error.status,
          format,
          `<?xml version="1.0" encoding="UTF-8"?>${xml.build({ Error: { ...fields, Recommend: { __cdata: recommend } } })}`,
          requestId,
        );
  // openapi-core turns a Throttling code into a ThrottlingError whose retryAfter comes from here.
  if (error.code.startsWith('Throttling')) response.headers['x-acs-retry-after'] = '1000';
  return response;
}
