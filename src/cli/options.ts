/** Options every command takes: where the state is. */
export interface CommonOptions {
  dataDir: string;
  databaseUrl?: string;
}

export const DEFAULT_DATA_DIR = './data';
