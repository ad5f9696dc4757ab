/**
 * The members of the WebAssembly JS API (a Node global) that airtune uses: the project compiles
 * with the ES2022 lib and @types/node 20, neither of which types it. One declaration for the
 * kernels' loader (index.ts), their tests and the training bench.
 */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  validate(bytes: Uint8Array): boolean;
};
