/**
 * RFC 3986 percent-encoding of UTF-8 text, keeping only A-Z a-z 0-9 - _ . ~ : the canonical form
 * both Alibaba's and Baidu's signatures are computed over. encodeURIComponent leaves ! ' ( ) *
 * alone, so those are added here.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
