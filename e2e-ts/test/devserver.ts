import { spawn, ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as fs from 'node:fs';

/** The Kairos dev server (embedded Postgres, throw-away data) as a child process on a free port. */
export class DevServer {
  private constructor(readonly process: ChildProcess, readonly address: string, private readonly log: string[]) {}

  /** @param extraArgs more `dev` flags, e.g. `['--config', file]` */
  static async start(name: string, extraArgs: string[] = []): Promise<DevServer> {
    const jar = path.resolve(__dirname, '../../../server/target/temporal-server.jar');
    if (!fs.existsSync(jar)) {
      throw new Error(`${jar} is missing: build the server first (mvn -B -DskipTests package)`);
    }
    const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
    const child = spawn(java, ['-Xmx512m', '-jar', jar, 'dev', '--ephemeral', '--ip', '127.0.0.1', '--port', '0',
      ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: string[] = [];
    const logDir = path.resolve(__dirname, '../../logs');
    fs.mkdirSync(logDir, { recursive: true });
    const errLog = fs.createWriteStream(path.join(logDir, `${name}.stderr.log`));
    child.stderr!.pipe(errLog);
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dev server not ready in 90 s: ${log.join('\n')}`)), 90_000);
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        log.push(chunk);
        const m = /listening on (127\.0\.0\.1:\d+)/.exec(log.join(''));
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`dev server exited with ${code}: ${log.join('')}`));
      });
    });
    return new DevServer(child, address, log);
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null) {
      return;
    }
    const exited = new Promise((r) => this.process.once('exit', r));
    this.process.kill('SIGTERM');
    const timeout = setTimeout(() => this.process.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timeout);
  }
}
