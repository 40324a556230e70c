// dynalite ships no types: what the DynamoDB tests use of it.
declare module 'dynalite' {
  interface DynaliteServer {
    listen(port: number, host: string, callback: () => void): void;
    close(callback: () => void): void;
  }
  export default function dynalite(options?: {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }): DynaliteServer;
}
