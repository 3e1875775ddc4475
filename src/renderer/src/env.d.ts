declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

interface Window {
  /** The typed API exposed by the Electron preload; absent in the browser (the web host uses a WebSocket). */
  avw?: import('#shared/api.js').Api & {
    /** The backend's events (jobs, indexing progress); returns the function that stops listening. */
    onEvent(listener: (event: import('#shared/api.js').ApiEvent) => void): () => void;
    /** The absolute path of a File from a file input or a drop (Electron only). */
    pathForFile(file: File): string;
    /** The native Open dialog: the chosen trajectory's absolute path, or null when cancelled (Electron only). */
    chooseTrajectoryFile(): Promise<string | null>;
    /** The native Save dialog for a figure, starting at `suggested` (Electron only). */
    chooseFigurePath(suggested: string): Promise<string | null>;
  };
}
