// Every column that holds sealed values, and the reference each value is bound to (its table,
// column and row id). Re-sealing (state/reseal.ts) and key rotation go through this list, so a
// new sealed column is one entry here.
import type { SealedRef } from "./secrets.ts";

/** A sealed column by its SQL names; its rows are keyed by the text column `id`. */
export interface SealedColumn {
  table: string;
  column: string;
}

export const credentialSecret: SealedColumn = { table: "credentials", column: "secret" };
export const sshPrivateKey: SealedColumn = { table: "ssh_keys", column: "private_key" };

export const instanceSecret: SealedColumn = { table: "instance_secrets", column: "value" };
/** An app deployment's secret environment values (null when it has none). */
export const deploymentSecretEnv: SealedColumn = { table: "deployments", column: "secret_env" };

/** A proposed change's new secret inputs (null when it keeps the old ones). */
export const changeSecrets: SealedColumn = { table: "changes", column: "secrets" };

export const sealedColumns: readonly SealedColumn[] = [credentialSecret, sshPrivateKey, instanceSecret, deploymentSecretEnv, changeSecrets];

export const refOf = (col: SealedColumn, id: string): SealedRef => ({ ...col, id });
export const credentialSecretRef = (id: string) => refOf(credentialSecret, id);
export const sshPrivateKeyRef = (id: string) => refOf(sshPrivateKey, id);
export const instanceSecretRef = (id: string) => refOf(instanceSecret, id);
export const deploymentSecretEnvRef = (id: string) => refOf(deploymentSecretEnv, id);
export const changeSecretsRef = (id: string) => refOf(changeSecrets, id);
