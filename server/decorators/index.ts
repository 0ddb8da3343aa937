export { decorate, type HandlerDecorator } from './compose';
export { exceptionHandling } from './exception-handling';
export { logging } from './logging';
export { perConnection } from './per-connection';
export { sendLimits, type SendLimits } from './send-limits';
export { SessionWrapper } from './session-wrapper';
