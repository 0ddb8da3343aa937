// eventsource 2 (a dependency of sockjs-client, used by the tests to give our client an EventSource in
// Node) ships no types: it is only passed on as a constructor, typed where it is used.
declare module 'eventsource' {
  const EventSource: new (url: string) => object;
  export = EventSource;
}
