import type { StompFrame, StompHeader } from '../../../protocol';

/** The ERROR frame's `message` header is one line: the first of the error's, bounded. */
export function errorSummary(message: string): string {
  const line = message.split(/[\r\n]/, 1)[0] as string;
  return line.length > 256 ? `${line.slice(0, 253)}...` : line;
}

export function errorFrame(
  message: string,
  receiptId: string | undefined,
  extra: readonly StompHeader[] = [],
): StompFrame {
  const headers: StompHeader[] = [['message', errorSummary(message)], ...extra];
  if (receiptId !== undefined) headers.push(['receipt-id', receiptId]);
  headers.push(['content-type', 'text/plain;charset=UTF-8']);
  return { command: 'ERROR', headers, body: message };
}

export function receiptFrame(receiptId: string): StompFrame {
  return { command: 'RECEIPT', headers: [['receipt-id', receiptId]], body: '' };
}
