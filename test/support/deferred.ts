/** A promise settled from outside. The one copy is the proxy demo's (demo code cannot import tests). */
export { Deferred } from '../../demo/proxy/wait';
