/**
 * Reusable zod formats for strings the API server and Pods constrain: names, paths, label keys
 * and values, images, hosts. Each refuses what a Pod would refuse, with a message that says what
 * is wanted.
 */
import { z } from 'zod';

export const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be a DNS label: lowercase letters, digits and "-", starting and ending with a letter or digit',
  );

export const absolutePath = z.string().min(1).max(4096).regex(/^\//, 'must be an absolute path');

/** A port name as a Pod takes it (IANA_SVC_NAME): what a Service's targetPort or a probe can refer to. */
export const portName = z
  .string()
  .max(15)
  .regex(
    /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be a port name: at most 15 lowercase letters, digits and "-", with at least one letter, starting and ending with a letter or digit, no "--"',
  );

/** A label or annotation key as the API server takes it: [DNS subdomain "/"] name, the name at most 63 characters. */
function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = key.slice(slash + 1);
  const prefixOk =
    prefix === undefined ||
    (prefix.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(prefix));
  return prefixOk && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}
/** Keys are the operator's own check: a CRD schema cannot constrain map keys, and a CEL rule over an unbounded map costs too much. */
export const qualifiedName = z
  .string()
  .refine(
    isQualifiedName,
    'must be a qualified name: an optional DNS subdomain and "/", then at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
  );
export const labelValue = z
  .string()
  .max(63)
  .regex(
    /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/,
    'must be a label value: empty, or at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
  );

/** An image reference as a Pod takes it: the API server refuses one with whitespace around it. */
export const image = z
  .string()
  .min(1)
  .refine((v) => v === v.trim(), 'must not have leading or trailing whitespace');

/** A DNS name (RFC 1123, any case, a trailing dot allowed) or an IPv4 or IPv6 address: what nc can connect to. */
export const TCP_HOST =
  /^([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*\.?|((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)$/;
