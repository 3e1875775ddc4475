declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

interface Window {
  /** The typed API exposed by the Electron preload; absent in the browser (the web host uses a WebSocket). */
  avw?: import('../../shared/api').Api;
}
