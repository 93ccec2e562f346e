/**
 * Runtime API keys in VS Code secret storage, one per profile. Keys reach a
 * worker only inside its IPC start message.
 */
import type * as vscode from 'vscode';
import type { SecretStore } from '../profiles/secrets';

const KEY_PREFIX = 'mcpTunnel.apiKey.';
const SECRET_PREFIX = 'mcpTunnel.secret.';

export class ApiKeys {
  constructor(private readonly storage: vscode.SecretStorage) {}

  get(profile: string): Thenable<string | undefined> {
    return this.storage.get(KEY_PREFIX + profile);
  }

  set(profile: string, key: string): Thenable<void> {
    return this.storage.store(KEY_PREFIX + profile, key);
  }

  clear(profile: string): Thenable<void> {
    return this.storage.delete(KEY_PREFIX + profile);
  }

  /**
   * A profile's key under a new name: moved (rename) or copied (duplicate).
   * Nothing stored, nothing done; an existing key of `to` is replaced.
   */
  async transfer(from: string, to: string, mode: 'move' | 'copy'): Promise<boolean> {
    const key = await this.get(from);
    if (key === undefined) return false;
    await this.set(to, key);
    if (mode === 'move') await this.clear(from);
    return true;
  }

  getSecret(name: string): Thenable<string | undefined> {
    return this.storage.get(SECRET_PREFIX + name);
  }

  setSecret(name: string, value: string): Thenable<void> {
    return this.storage.store(SECRET_PREFIX + name, value);
  }

  /** The store profile resolution reads: `profile:NAME` is a profile's key, `secret:NAME` any other secret. */
  asSecretStore(): SecretStore {
    return {
      get: (key: string) => (key.startsWith('profile:') ? this.get(key.slice('profile:'.length)) : this.getSecret(key)) as Promise<string | undefined>,
    };
  }
}
