export * from './socket.js';
export type * from './tcp-info.js';
export type * from './snapshot.js';
export { ownerUser } from './owner-user.js';
