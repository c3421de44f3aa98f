/** `T` with its `undefined` values removed, as optional fields (for options under exactOptionalPropertyTypes). */
export type DefinedFields<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/** A copy of `fields` without the keys whose value is undefined: `{ a: 1, b: undefined }` -> `{ a: 1 }`. */
export function definedFields<T extends object>(fields: T): DefinedFields<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as DefinedFields<T>;
}
