/**
 * `totpkit/dynamodb`: a {@link GuardStore} on Amazon DynamoDB, with `@aws-sdk/client-dynamodb`.
 *
 * One item per credential id holds its record and a `version`. A settle reads the item with a
 * strongly consistent `GetItem`, settles it with the same rules as every store, and writes it back
 * with **one conditional write** (`UpdateItem` with `ConditionExpression: version = :read`, or
 * `attribute_not_exists` for a new item). A locked refusal writes nothing. When another request
 * wrote first, the condition fails and the settle starts again from a fresh read; the retries are
 * bounded (100 by default), jittered, and stopped by the guard's deadline (its abort signal), past
 * which the guard answers `storage` anyway. Two requests can never both apply a change to the same
 * version, so a code is accepted at most once and every failure is counted.
 *
 * Expiry is judged on the guard's clock, stored in each item; the `ttl` attribute (epoch seconds) lets
 * DynamoDB's Time to Live delete items once nothing in them matters (within a day or two of that
 * time; correctness never depends on it).
 *
 * Table: partition key `pk` (String), Time to Live on `ttl`, on-demand capacity. In the AWS console:
 * create a table with partition key `pk` of type String, then turn on Time to Live with the attribute
 * `ttl`. In CloudFormation:
 *
 * ```yaml
 * GuardTable:
 *   Type: AWS::DynamoDB::Table
 *   Properties:
 *     BillingMode: PAY_PER_REQUEST
 *     AttributeDefinitions: [{ AttributeName: pk, AttributeType: S }]
 *     KeySchema: [{ AttributeName: pk, KeyType: HASH }]
 *     TimeToLiveSpecification: { AttributeName: ttl, Enabled: true }
 * ```
 *
 * **Durability.** DynamoDB acknowledges a write once it is stored durably in several Availability
 * Zones; strongly consistent reads see it. Global tables replicate between Regions asynchronously:
 * use one Region's table for the guard.
 *
 * @module totpkit/dynamodb
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DEFAULT_DYNAMODB_RETRIES, MAX_DYNAMODB_RETRIES } from '../constants.js';
import { type GuardRecord, settleRecord } from '../guard/record.js';
import type { GuardStore, SettleRequest, SettleResult } from '../guard/store.js';
import { integerOption, optionsObject, rangeError, typeError } from '../internal/assert.js';
import { retryPause } from './retry.js';
import { credentialId } from '../internal/text.js';

export { DEFAULT_DYNAMODB_RETRIES, MAX_DYNAMODB_RETRIES } from '../constants.js';

/** What the store needs of a client: `send` of a command, as `DynamoDBClient` has it. */
export interface DynamoClientLike {
  /** Sends one command (`GetItem`, `UpdateItem`, `DeleteItem`); `abortSignal` stops it at the deadline. */
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Options of {@link dynamoStore}. */
export interface DynamoStoreOptions {
  /** A `DynamoDBClient` (give it a short `requestHandler` timeout and `maxAttempts`: the guard has a deadline). */
  client: DynamoClientLike;
  /** The table's name (3..255 of `A-Z a-z 0-9 _ . -`). */
  table: string;
  /** Retries after another request wrote the same item first, 0..1000, 100 by default. */
  retries?: number;
}

const TABLE = /^[A-Za-z0-9_.-]{3,255}$/;

/** A stored item's record and version, or `undefined` for none. */
function fromItem(
  item: Record<string, AttributeValue> | undefined,
): { record: GuardRecord; version: number } | undefined {
  if (item === undefined) return undefined;
  const n = (key: string): number => Number(item[key]?.N ?? '0');
  const used: Record<string, number> = {};
  for (const [k, v] of Object.entries(item.u?.M ?? {})) used[k] = Number(v.N ?? '0');
  return {
    record: { failures: n('f'), failuresExpireAt: n('fx'), step: n('s'), stepExpiresAt: n('sx'), used },
    version: n('v'),
  };
}

const N = (n: number): AttributeValue => ({ N: String(n) });

/**
 * Create a DynamoDB-backed {@link GuardStore}.
 *
 * @param options - `client`, `table`, `retries`
 * @returns the store
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a client without `send`, or a table that is not a string
 * @throws RangeError `ERR_OUT_OF_RANGE` for a table name DynamoDB would refuse, or `retries` outside 0..1000
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
 * const store = dynamoStore({ client: new DynamoDBClient({ maxAttempts: 2 }), table: 'totpkit-guard' })
 * ```
 */
export function dynamoStore(options: DynamoStoreOptions): GuardStore {
  const opts = optionsObject('options', options, true);
  const client = opts.client as DynamoClientLike;
  if (typeof client !== 'object' || client === null || typeof client.send !== 'function')
    throw typeError('client', 'a DynamoDB client (with send())', client);
  if (typeof opts.table !== 'string') throw typeError('table', 'a string', opts.table);
  if (!TABLE.test(opts.table)) throw rangeError('"table" must be a DynamoDB table name (3..255 of A-Z a-z 0-9 _ . -)');
  const table = opts.table;
  const retries = integerOption('retries', opts.retries, DEFAULT_DYNAMODB_RETRIES, 0, MAX_DYNAMODB_RETRIES);

  return {
    async settle(id: string, r: SettleRequest): Promise<SettleResult> {
      credentialId('credentialId', id);
      const key = { pk: { S: id } };
      const abortSignal = r.signal;
      for (let attempt = 0; ; attempt++) {
        const read = (await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }), {
          abortSignal,
        })) as { Item?: Record<string, AttributeValue> };
        const stored = fromItem(read.Item);
        const s = settleRecord(stored?.record, r);
        if (s.record === undefined) return s.result; // locked, or nothing to keep: no write
        // The one conditional write: only if nobody wrote since our read.
        const condition =
          stored === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'v = :read', ExpressionAttributeValues: { ':read': N(stored.version) } };
        try {
          if (s.record === null) {
            await client.send(new DeleteItemCommand({ TableName: table, Key: key, ...condition }), { abortSignal });
          } else {
            const rec = s.record;
            const u: Record<string, AttributeValue> = {};
            for (const [item, expiresAt] of Object.entries(rec.used)) u[item] = N(expiresAt);
            await client.send(
              new UpdateItemCommand({
                TableName: table,
                Key: key,
                UpdateExpression: 'SET f = :f, fx = :fx, s = :s, sx = :sx, u = :u, v = :v, #ttl = :ttl',
                ConditionExpression: condition.ConditionExpression,
                ExpressionAttributeNames: { '#ttl': 'ttl' },
                ExpressionAttributeValues: {
                  ...(condition.ExpressionAttributeValues ?? {}),
                  ':f': N(rec.failures),
                  ':fx': N(rec.failuresExpireAt),
                  ':s': N(rec.step),
                  ':sx': N(rec.stepExpiresAt),
                  ':u': { M: u },
                  ':v': N((stored?.version ?? 0) + 1),
                  ':ttl': N(Math.ceil(s.expiresAt / 1000)),
                },
              }),
              { abortSignal },
            );
          }
          return s.result;
        } catch (error) {
          const lost =
            error instanceof ConditionalCheckFailedException ||
            (error as { name?: unknown }).name === 'ConditionalCheckFailedException';
          if (!lost || attempt >= retries || abortSignal?.aborted === true) throw error;
          await retryPause(attempt);
        }
      }
    },
  };
}
