export * from './socket.js';
export type * from './tcp-info.js';
export type * from './snapshot.js';
export { ownerLabel, ownerUser } from './owner-user.js';
