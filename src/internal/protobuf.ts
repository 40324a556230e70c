/**
 * A minimal protobuf (proto3 wire format) reader and writer: varints and length-delimited fields,
 * every read bounded by the message length, groups refused. Just what Google Authenticator's
 * transfer payload needs (`migration.ts`); about a hundred lines instead of a protobuf library and
 * its code generator in a package whose core has no such dependency. The tests check it both ways
 * against protobufjs, an independent implementation.
 *
 * @see https://protobuf.dev/programming-guides/encoding/
 * @module
 */

/** A protobuf reader over one message: varints and length-delimited fields, every read bounded. */
export class Reader {
  #at = 0;
  /**
   * @param bytes - the message
   * @param fail - makes the error thrown for a damaged message (the caller's own error code)
   */
  constructor(
    readonly bytes: Uint8Array,
    private readonly fail: (message: string) => Error,
  ) {}

  get done(): boolean {
    return this.#at >= this.bytes.length;
  }

  /** A varint of up to 10 bytes, as a bigint (int64 needs all 64 bits). */
  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.#at >= this.bytes.length) throw this.fail('payload ends inside a number');
      const byte = this.bytes[this.#at++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value & 0xffff_ffff_ffff_ffffn;
    }
    throw this.fail('payload has a number longer than 10 bytes');
  }

  /** A length-delimited field's bytes. */
  chunk(): Uint8Array {
    const length = this.varint();
    if (length > BigInt(this.bytes.length - this.#at)) throw this.fail('payload ends inside a field');
    const start = this.#at;
    this.#at += Number(length);
    return this.bytes.subarray(start, this.#at);
  }

  /** Skips a field of a wire type this format does not use here; groups are refused. */
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) this.chunk();
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (this.#at + n > this.bytes.length) throw this.fail('payload ends inside a field');
      this.#at += n;
    } else throw this.fail(`payload has an unsupported field type ${wire}`);
  }

  /** Each field of the message: its number and wire type, with the reader positioned at its value. */
  *fields(): Generator<{ field: number; wire: number }> {
    while (!this.done) {
      const key = this.varint();
      const field = Number(key >> 3n);
      if (field === 0 || key > 0xffff_ffffn) throw this.fail('payload has an invalid field number');
      yield { field, wire: Number(key & 7n) };
    }
  }
}

/** An int32 field from its varint (negative ones are sign-extended to 64 bits). */
export const int32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** A protobuf writer: just what the payload needs. */
export class Writer {
  readonly parts: number[] = [];

  varint(value: bigint | number): this {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.parts.push(Number(v));
    return this;
  }

  key(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2).varint(value.length);
    for (const b of value) this.parts.push(b);
    return this;
  }

  number(field: number, value: bigint | number): this {
    return value === 0 || value === 0n ? this : this.key(field, 0).varint(value);
  }

  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
