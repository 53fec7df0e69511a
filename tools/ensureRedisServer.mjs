// `npm test`'s first step: the Redis specs need Debian's `redis-server` (7.0). When it is
// missing and this runs as root (CI, a fresh machine of the project's kind), it is installed with
// apt-get and the service the package may start is stopped again (the specs start their own, on
// free loopback ports). Without root it stops the run and says what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const found = () =>
  [
    process.env.REDIS_SERVER,
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'redis-server')),
    '/usr/bin/redis-server',
  ].find((file) => {
    if (!file) return false;
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

if (found() === undefined) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!root || !apt) {
    console.error(
      'redis-server is not installed, and the Redis specs need it (Debian/Ubuntu: `sudo apt-get install -y redis-server`; macOS: `brew install redis`; ' +
        'or set REDIS_SERVER to a redis-server 7.x binary). Nothing else needs root. README: Running the tests.',
    );
    process.exit(1);
  }
  console.error('redis-server is missing: installing it with apt-get (Debian package redis-server)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
  spawnSync('service', ['redis-server', 'stop'], { stdio: 'ignore' });
  if (found() === undefined) {
    console.error('apt-get installed redis-server, but no redis-server binary was found afterwards');
    process.exit(1);
  }
}
