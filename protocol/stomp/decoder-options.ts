import { SockJsError } from '../errors';
import { checkOptionKeys } from '../option-keys';
import type { StompVersion } from './frame';
import { STOMP_VERSIONS } from './frame';

export interface StompDecoderOptions {
  /** Largest frame, in UTF-8 bytes from the command to the NUL. Default 65536 (64 KiB, as Spring). */
  readonly maxFrameBytes?: number;
  /** Most header lines in one frame. Default 64. */
  readonly maxHeaders?: number;
  /** Longest command or header line, in UTF-8 bytes without its EOL. Default 8192 (8 KiB). */
  readonly maxHeaderBytes?: number;
  /** Escapes to decode (the negotiated version; `decoder.version` changes it later). Default '1.2'. */
  readonly version?: StompVersion;
}

export interface StompDecoderSettings {
  readonly maxFrameBytes: number;
  readonly maxHeaders: number;
  readonly maxHeaderBytes: number;
  readonly version: StompVersion;
}

export const STOMP_DECODER_DEFAULTS: StompDecoderSettings = {
  maxFrameBytes: 64 * 1024,
  maxHeaders: 64,
  maxHeaderBytes: 8 * 1024,
  version: '1.2',
};

const KNOWN_KEYS = Object.keys(STOMP_DECODER_DEFAULTS);

/** Defaults filled in; an unknown key, a non-positive or fractional limit, or an unknown version throws ERR_INVALID_OPTION. */
export function resolveStompDecoderOptions(options: StompDecoderOptions = {}): StompDecoderSettings {
  checkOptionKeys('StompDecoder', options, KNOWN_KEYS);
  const settings = { ...STOMP_DECODER_DEFAULTS, ...options };
  for (const key of ['maxFrameBytes', 'maxHeaders', 'maxHeaderBytes'] as const) {
    const value: unknown = settings[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new SockJsError(
        'ERR_INVALID_OPTION',
        `StompDecoder: ${key} must be a positive integer, got ${String(value)}`,
      );
    }
  }
  if (!STOMP_VERSIONS.includes(settings.version)) {
    throw new SockJsError('ERR_INVALID_OPTION', `StompDecoder: version must be one of ${STOMP_VERSIONS.join(', ')}`);
  }
  return settings;
}
