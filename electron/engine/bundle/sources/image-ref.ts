/** `sha256:` and 64 lowercase hex digits: a registry manifest digest or an image id. */
export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** A `pull:` value split into the image to pull and save (`name:tag`) and an optional digest pin. */
export interface PullSource {
  /** `name:tag` as written (tag defaults to latest, as docker does). */
  image: string;
  /** The repository part (`127.0.0.1:5000/demo/app`), for `repo@digest` records. */
  repository: string;
  /** `sha256:<hex>` when the spec pins the manifest digest (`name:tag@sha256:...`). */
  pin?: string;
}

/**
 * Parses `name[:tag][@sha256:<hex>]`. A pin without a tag is refused: the bundle carries the
 * image under its tag, and pulling by digest alone would leave nothing tagged to save.
 */
export function parsePullSource(value: string): PullSource | { problem: string } {
  const at = value.indexOf('@');
  const named = at < 0 ? value : value.slice(0, at);
  const pin = at < 0 ? undefined : value.slice(at + 1);
  if (pin !== undefined && !DIGEST_RE.test(pin)) return { problem: `pull source ${value}: the pin after "@" must be sha256: and 64 lowercase hex digits.` };
  if (!/^[a-z0-9][a-z0-9._\-/:]*$/i.test(named)) return { problem: `pull source ${value} is not an image name (name:tag, optionally @sha256:<digest>).` };
  const lastSlash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  if (pin !== undefined && !hasTag) return { problem: `pull source ${value} pins a digest but names no tag; write name:tag@${pin.slice(0, 15)}... so the image is saved under its tag.` };
  const image = hasTag ? named : `${named}:latest`;
  return { image, repository: image.slice(0, image.lastIndexOf(':')), ...(pin ? { pin } : {}) };
}
