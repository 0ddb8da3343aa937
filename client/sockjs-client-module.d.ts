// sockjs-client ships no types; client/sockjs-client.ts gives it the real ones. This only lets the
// import compile: its instances are cast there, once.
declare module 'sockjs-client' {
  const SockJS: new (url: string, protocols: null, options: object) => object;
  export = SockJS;
}
