import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
const client = new Redis('redis://127.0.0.1:16390', { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 250 });
const connection = new Bottleneck.IORedisConnection({ client, Redis });
await connection.ready;
const id = 'q' + Date.now();
const minTime = Number(process.argv[2]);
const a = new Bottleneck({ id: id + 'a', datastore: 'ioredis', connection, maxConcurrent: 6, minTime });
const b = new Bottleneck({ id: id + 'b', datastore: 'ioredis', connection, maxConcurrent: 5 });
const t0 = Date.now();
let n = 0;
await Promise.all(Array.from({ length: 12 }, (_, i) => new Promise((res) => {
  a.schedule({ expiration: 20000 }, () => new Promise((release) => {
    b.schedule({ expiration: 20000 }, async () => { n++; console.log('run', i, Date.now() - t0); })
      .then(() => setTimeout(release, 1030)).then(res);
  }));
})));
console.log('done', Date.now() - t0);
process.exit(0);
