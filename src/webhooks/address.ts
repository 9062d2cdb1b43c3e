// Which webhook URLs and addresses may be called. A webhook URL is user input that the worker
// fetches: without these checks it reaches the service's own network (Postgres, Temporal, cloud
// metadata at 169.254.169.254). The check runs on every address the name resolves to, at connect
// time (see deliver.ts), so a name that resolves to a private address is refused too.
import { BlockList, isIP } from 'node:net';

export class WebhookAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookAddressError';
  }
}

function nonPublic(): BlockList {
  const b = new BlockList();
  for (const [net, bits] of [
    ['0.0.0.0', 8], // "this network"
    ['10.0.0.0', 8],
    ['100.64.0.0', 10], // carrier-grade NAT
    ['127.0.0.0', 8],
    ['169.254.0.0', 16], // link-local, cloud metadata
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, broadcast
  ] as const)
    b.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of [
    ['::', 128], // unspecified
    ['::1', 128], // loopback
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['ff00::', 8], // multicast
    ['64:ff9b:1::', 48], // local-use NAT64
  ] as const)
    b.addSubnet(net, bits, 'ipv6');
  return b;
}

const NON_PUBLIC = nonPublic();

/** True for loopback, private, link-local, CGNAT, multicast and reserved addresses (IPv4-mapped IPv6 included). */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) throw new WebhookAddressError(`not an IP address: ${address}`);
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return NON_PUBLIC.check(mapped[1]!, 'ipv4');
    return NON_PUBLIC.check(address, 'ipv6');
  }
  return NON_PUBLIC.check(address, 'ipv4');
}

/** Throws when the address may not be called under this policy. */
export function assertAllowedAddress(address: string, allowPrivate: boolean): void {
  if (!allowPrivate && isNonPublicAddress(address)) {
    throw new WebhookAddressError(`webhook address ${address} is private, loopback or link-local (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow it)`);
  }
}

/**
 * What can be said of a webhook URL without resolving it: http(s) only, no credentials in it, and
 * (unless private networks are allowed) not an IP literal or `localhost` name outside the public
 * internet. Returns the parsed URL. Names are checked again, resolved, when the worker connects.
 */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookAddressError('not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookAddressError('only http and https URLs can receive webhooks');
  if (url.username || url.password) throw new WebhookAddressError('credentials in the URL are not allowed');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate) {
    if (host === 'localhost' || host.endsWith('.localhost')) throw new WebhookAddressError('localhost is a loopback address (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow it)');
    if (isIP(host)) assertAllowedAddress(host, false);
  }
  return url;
}
