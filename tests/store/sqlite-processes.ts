/**
 * SQLite stores in other processes, for the conformance races: each child (sqlite-child.ts) holds
 * real better-sqlite3 connections, and the parent sees them as ordinary Stores.
 *
 * One limit: consumeRateLimit sends its `decide` function as source, so a decide given to such a
 * store must use nothing but its argument and literals (the race tests' decides do).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { StoreUnavailableError, type CodeRedemption, type Store } from '@/db/store';
import type { ChildRequest, ChildResponse } from './sqlite-child';

type Pending = { resolve: (value: unknown) => void; reject: (error: unknown) => void };

/** Distributes Omit<…, 'id'> over the request union. */
type RequestBody = ChildRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

class Child {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  readonly ready: Promise<void>;

  constructor(private readonly process: ChildProcess) {
    let markReady: () => void = () => {};
    let failReady: (error: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    process.on('message', (message: ChildResponse) => {
      if (message.id === 0) return markReady();
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if ('value' in message) waiting.resolve(message.value);
      else if ('unavailable' in message.error) waiting.reject(new StoreUnavailableError(message.error.unavailable));
      else waiting.reject(new Error(`${message.error.name} in a store process: ${message.error.message}`));
    });
    process.on('exit', (code) => {
      const error = new Error(`a store process exited (code ${String(code)})`);
      failReady(error);
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    });
  }

  request(body: RequestBody): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.process.send({ ...body, id });
    });
  }

  stop(): void {
    this.process.kill();
  }
}

export class SqliteStoreProcesses {
  private readonly children: Child[];
  private nextHandle = 1;
  private nextChild = 0;

  /** Starts `count` child processes (each loads the adapter once). */
  constructor(count: number) {
    const script = fileURLToPath(new URL('./sqlite-child.ts', import.meta.url));
    this.children = Array.from(
      { length: count },
      () => new Child(fork(script, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })),
    );
  }

  async ready(): Promise<void> {
    await Promise.all(this.children.map((child) => child.ready));
  }

  stop(): void {
    for (const child of this.children) child.stop();
  }

  /** A store on `file` in the next child process (round robin). */
  async connect(file: string): Promise<Store> {
    const child = this.children[this.nextChild++ % this.children.length];
    if (!child) throw new Error('no store processes');
    const handle = this.nextHandle++;
    await child.request({ op: 'open', handle, file });
    // The child answers with plain data; these are the types the interface promises.
    const call = <T>(method: Extract<ChildRequest, { op: 'call' }>['method'], ...args: unknown[]) => child.request({ op: 'call', handle, method, args }) as Promise<T>;
    return {
      dialect: 'sqlite',
      ready: () => call('ready'),
      findUserById: (...args) => call('findUserById', ...args),
      findCredentials: (...args) => call('findCredentials', ...args),
      register: (...args) => call('register', ...args),
      rehashPassword: (...args) => call('rehashPassword', ...args),
      changePassword: (...args) => call('changePassword', ...args),
      deleteAccount: (...args) => call('deleteAccount', ...args),
      issueOneTimeToken: (...args) => call('issueOneTimeToken', ...args),
      findOneTimeToken: (...args) => call('findOneTimeToken', ...args),
      resetPassword: (...args) => call('resetPassword', ...args),
      verifyEmail: (...args) => call('verifyEmail', ...args),
      consumeOneTimeToken: (...args) => call('consumeOneTimeToken', ...args),
      findTwoFactor: (...args) => call('findTwoFactor', ...args),
      beginTwoFactorSetup: (...args) => call('beginTwoFactorSetup', ...args),
      enableTwoFactor: (...args) => call('enableTwoFactor', ...args),
      acceptTotpStep: (...args) => call('acceptTotpStep', ...args),
      consumeRecoveryCode: (...args) => call('consumeRecoveryCode', ...args),
      disableTwoFactor: (...args) => call('disableTwoFactor', ...args),
      consumeSignInLink: (...args) => call('consumeSignInLink', ...args),
      findUserByIdentity: (...args) => call('findUserByIdentity', ...args),
      listLinkedIdentities: (...args) => call('listLinkedIdentities', ...args),
      registerWithIdentity: (...args) => call('registerWithIdentity', ...args),
      linkIdentity: (...args) => call('linkIdentity', ...args),
      unlinkIdentity: (...args) => call('unlinkIdentity', ...args),
      rememberDevice: (...args) => call('rememberDevice', ...args),
      insertSession: (...args) => call('insertSession', ...args),
      findSession: (...args) => call('findSession', ...args),
      findSessionWithUser: (...args) => call('findSessionWithUser', ...args),
      rotateSession: (...args) => call('rotateSession', ...args),
      revokeSession: (...args) => call('revokeSession', ...args),
      revokeUserSessions: (...args) => call('revokeUserSessions', ...args),
      listLiveSessions: (...args) => call('listLiveSessions', ...args),
      addSecurityEvents: (...args) => call('addSecurityEvents', ...args),
      listSecurityEvents: (...args) => call('listSecurityEvents', ...args),
      consumeRateLimit: <T>(key: string, decide: (...args: never[]) => unknown) => child.request({ op: 'consume', handle, key, decide: decide.toString() }) as Promise<T>,
      deleteRateLimit: (...args) => call('deleteRateLimit', ...args),
      storePasskeyChallenge: (...args) => call('storePasskeyChallenge', ...args),
      consumePasskeyChallenge: (...args) => call('consumePasskeyChallenge', ...args),
      storeAuthorizationCode: (...args) => call('storeAuthorizationCode', ...args),
      redeemAuthorizationCode: (codeId, now, exchange, replayEvent) => child.request({ op: 'redeem', handle, codeId, now, exchange: exchange.toString(), replayEvent }) as Promise<CodeRedemption>,
      addPasskey: (...args) => call('addPasskey', ...args),
      listPasskeys: (...args) => call('listPasskeys', ...args),
      findPasskeyByCredentialId: (...args) => call('findPasskeyByCredentialId', ...args),
      recordPasskeyUse: (...args) => call('recordPasskeyUse', ...args),
      deletePasskey: (...args) => call('deletePasskey', ...args),
      createApiKey: (...args) => call('createApiKey', ...args),
      findApiKeyWithUser: (...args) => call('findApiKeyWithUser', ...args),
      listApiKeys: (...args) => call('listApiKeys', ...args),
      revokeApiKey: (...args) => call('revokeApiKey', ...args),
      recordApiKeyUse: (...args) => call('recordApiKeyUse', ...args),
      deleteEndedApiKeys: (...args) => call('deleteEndedApiKeys', ...args),
      useDpopProof: (...args) => call('useDpopProof', ...args),
      deleteExpiredDpopProofs: (...args) => call('deleteExpiredDpopProofs', ...args),
      housekeeping: (...args) => call('housekeeping', ...args),
      close: async () => {
        await child.request({ op: 'close', handle });
      },
    };
  }
}
