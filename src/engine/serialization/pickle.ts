/**
 * A minimal, non-executing unpickler for the protocol 2-5 opcodes that torch.save emits.
 *
 * Python values map to JS as: dict -> plain object (keys stringified), list/tuple -> array,
 * int -> number (bigint beyond 2^53), float -> number, str -> string, bytes -> Uint8Array,
 * bool -> boolean, None -> null. Globals and persistent ids are resolved only through the hooks,
 * so nothing outside their allow-list can be constructed.
 */

export interface UnpicklerHooks {
  /** Resolves GLOBAL / STACK_GLOBAL; REDUCE and NEWOBJ may call the result if it is a function. */
  findGlobal(module: string, name: string): unknown;
  /** Resolves BINPERSID. */
  persistentLoad(pid: unknown): unknown;
}

type Dict = Record<string, unknown>;

const HIGHEST_PROTOCOL = 5;
const utf8 = new TextDecoder();

export function unpickle(data: Uint8Array, hooks: UnpicklerHooks, label: string): unknown {
  return new Unpickler(data, hooks, label).load();
}

class Unpickler {
  private readonly view: DataView;
  private position = 0;
  private stack: unknown[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();

  constructor(
    private readonly data: Uint8Array,
    private readonly hooks: UnpicklerHooks,
    private readonly label: string,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  load(): unknown {
    for (;;) {
      const opcodeOffset = this.position;
      const opcode = this.readU8();
      switch (opcode) {
        case 0x80: {
          const protocol = this.readU8();
          if (protocol > HIGHEST_PROTOCOL) throw this.error(`unsupported pickle protocol ${protocol}`);
          break;
        }
        case 0x95: // FRAME: the whole pickle is already in memory, so frame boundaries do not matter.
          this.readU64();
          break;
        case 0x2e: // STOP
          return this.pop();

        case 0x28: // MARK
          this.marks.push(this.stack.length);
          break;
        case 0x30: // POP
          this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.stack.push(this.top());
          break;

        case 0x4e: // NONE
          this.stack.push(null);
          break;
        case 0x88: // NEWTRUE
          this.stack.push(true);
          break;
        case 0x89: // NEWFALSE
          this.stack.push(false);
          break;
        case 0x4a: // BININT
          this.stack.push(this.view.getInt32(this.advance(4), true));
          break;
        case 0x4b: // BININT1
          this.stack.push(this.readU8());
          break;
        case 0x4d: // BININT2
          this.stack.push(this.view.getUint16(this.advance(2), true));
          break;
        case 0x8a: // LONG1
          this.stack.push(this.readLong(this.readU8()));
          break;
        case 0x8b: // LONG4
          this.stack.push(this.readLong(this.readLength(this.view.getInt32(this.advance(4), true))));
          break;
        case 0x47: // BINFLOAT
          this.stack.push(this.view.getFloat64(this.advance(8), false));
          break;

        case 0x58: // BINUNICODE
          this.stack.push(this.readString(this.view.getUint32(this.advance(4), true)));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.stack.push(this.readString(this.readU8()));
          break;
        case 0x8d: // BINUNICODE8
          this.stack.push(this.readString(this.readU64()));
          break;
        case 0x42: // BINBYTES
          this.stack.push(this.readBytes(this.view.getUint32(this.advance(4), true)));
          break;
        case 0x43: // SHORT_BINBYTES
          this.stack.push(this.readBytes(this.readU8()));
          break;
        case 0x8e: // BINBYTES8
          this.stack.push(this.readBytes(this.readU64()));
          break;

        case 0x29: // EMPTY_TUPLE
        case 0x5d: // EMPTY_LIST
          this.stack.push([]);
          break;
        case 0x7d: // EMPTY_DICT
          this.stack.push({});
          break;
        case 0x74: // TUPLE
        case 0x6c: // LIST
          this.stack.push(this.popMark());
          break;
        case 0x85: // TUPLE1
          this.stack.push(this.popN(1));
          break;
        case 0x86: // TUPLE2
          this.stack.push(this.popN(2));
          break;
        case 0x87: // TUPLE3
          this.stack.push(this.popN(3));
          break;
        case 0x64: {
          // DICT
          const dict: Dict = {};
          this.setItems(dict, this.popMark());
          this.stack.push(dict);
          break;
        }
        case 0x73: {
          // SETITEM
          const [key, value] = this.popN(2);
          this.setItems(this.dictAtTop(), [key, value]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.dictAtTop(), items);
          break;
        }
        case 0x61: {
          // APPEND
          const item = this.pop();
          this.listAtTop().push(item);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.listAtTop().push(...items);
          break;
        }

        case 0x71: // BINPUT
          this.memo.set(this.readU8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.view.getUint32(this.advance(4), true), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x68: // BINGET
          this.stack.push(this.memoGet(this.readU8()));
          break;
        case 0x6a: // LONG_BINGET
          this.stack.push(this.memoGet(this.view.getUint32(this.advance(4), true)));
          break;

        case 0x63: {
          // GLOBAL
          const module = this.readLine();
          const name = this.readLine();
          this.stack.push(this.hooks.findGlobal(module, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const [module, name] = this.popN(2);
          if (typeof module !== 'string' || typeof name !== 'string') throw this.error('STACK_GLOBAL needs two strings');
          this.stack.push(this.hooks.findGlobal(module, name));
          break;
        }
        case 0x52: // REDUCE
        case 0x81: {
          // NEWOBJ: cls.__new__(cls, *args); for the allow-listed globals this is the same as calling them.
          const [callable, args] = this.popN(2);
          if (typeof callable !== 'function') throw this.error(`cannot call ${describe(callable)}`);
          if (!Array.isArray(args)) throw this.error('call arguments must be a tuple');
          this.stack.push(callable(...args));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop();
          const target = this.top();
          // Attributes set on dict subclasses (e.g. a state dict's `_metadata` versions) have no
          // place in the plain-object representation and are dropped.
          if (!isDict(target) || !isDict(state)) throw this.error(`cannot BUILD ${describe(target)}`);
          break;
        }
        case 0x51: // BINPERSID
          this.stack.push(this.hooks.persistentLoad(this.pop()));
          break;

        default:
          throw this.error(`unsupported pickle opcode 0x${opcode.toString(16).padStart(2, '0')} at offset ${opcodeOffset}`);
      }
    }
  }

  private setItems(dict: Dict, items: unknown[]): void {
    if (items.length % 2 !== 0) throw this.error('odd number of items for a dict');
    for (let index = 0; index < items.length; index += 2) {
      // defineProperty rather than assignment so that a key such as "__proto__" stays an ordinary key.
      Object.defineProperty(dict, this.dictKey(items[index]), {
        value: items[index + 1],
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }

  private dictKey(key: unknown): string {
    switch (typeof key) {
      case 'string':
        return key;
      case 'number':
      case 'bigint':
        return String(key);
      case 'boolean':
        return key ? 'True' : 'False';
      default:
        if (key === null) return 'None';
        throw this.error(`unsupported dict key ${describe(key)}`);
    }
  }

  private dictAtTop(): Dict {
    const target = this.top();
    if (!isDict(target)) throw this.error(`cannot set items on ${describe(target)}`);
    return target;
  }

  private listAtTop(): unknown[] {
    const target = this.top();
    if (!Array.isArray(target)) throw this.error(`cannot append to ${describe(target)}`);
    return target;
  }

  private memoGet(index: number): unknown {
    if (!this.memo.has(index)) throw this.error(`memo entry ${index} is missing`);
    return this.memo.get(index);
  }

  private pop(): unknown {
    return this.popN(1)[0];
  }

  private top(): unknown {
    if (this.stack.length <= this.stackFloor()) throw this.error('stack underflow');
    return this.stack[this.stack.length - 1];
  }

  private popN(count: number): unknown[] {
    if (this.stack.length - count < this.stackFloor()) throw this.error('stack underflow');
    return this.stack.splice(this.stack.length - count, count);
  }

  /** Items below the innermost MARK are out of reach until it is popped. */
  private stackFloor(): number {
    return this.marks.at(-1) ?? 0;
  }

  private popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw this.error('MARK missing');
    return this.stack.splice(mark);
  }

  /** Returns the offset of the next `count` bytes and moves past them. */
  private advance(count: number): number {
    const start = this.position;
    if (start + count > this.data.byteLength) throw this.error('pickle data is truncated');
    this.position += count;
    return start;
  }

  private readU8(): number {
    return this.data[this.advance(1)];
  }

  private readU64(): number {
    return this.readLength(this.view.getBigUint64(this.advance(8), true));
  }

  private readLength(length: number | bigint): number {
    if (length < 0 || length > this.data.byteLength) throw this.error(`invalid length ${length} (truncated data?)`);
    return Number(length);
  }

  private readBytes(length: number): Uint8Array {
    const start = this.advance(length);
    return this.data.subarray(start, start + length);
  }

  private readString(length: number): string {
    return utf8.decode(this.readBytes(length));
  }

  private readLine(): string {
    const end = this.data.indexOf(0x0a, this.position);
    if (end < 0) throw this.error('pickle data is truncated');
    const line = utf8.decode(this.data.subarray(this.position, end));
    this.position = end + 1;
    return line;
  }

  /** Little-endian two's complement integer of `length` bytes. */
  private readLong(length: number): number | bigint {
    const bytes = this.readBytes(length);
    let value = 0n;
    for (let index = length - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[index]);
    if (length > 0 && bytes[length - 1] & 0x80) value -= 1n << BigInt(8 * length);
    const small = Number(value);
    return Number.isSafeInteger(small) ? small : value;
  }

  private error(detail: string): Error {
    return new Error(`${this.label}: ${detail}`);
  }
}

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function describe(value: unknown): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return 'a tuple/list';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}
