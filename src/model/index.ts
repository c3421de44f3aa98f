export * from './socket.js';
export type * from './snapshot.js';
