
import { Client } from 'ssh2'
import { readFileSync } from 'node:fs'
const key = readFileSync('/run/runbook-lab-dev/dev/id_ed25519')
const hosts = ["198.18.1.11", "198.18.1.12", "198.18.1.13", "198.18.1.14", "198.18.1.15", "198.18.1.16", "198.18.1.17", "198.18.1.18", "198.18.1.19", "198.18.1.20", "198.18.1.21", "198.18.1.22", "198.18.1.23", "198.18.1.24", "198.18.1.25", "198.18.1.26", "198.18.1.27", "198.18.1.28", "198.18.1.29", "198.18.1.30", "198.18.1.31", "198.18.1.32", "198.18.1.33", "198.18.1.34", "198.18.1.35", "198.18.1.36", "198.18.1.37", "198.18.1.38", "198.18.1.39", "198.18.1.40", "198.18.1.41", "198.18.1.42", "198.18.1.43", "198.18.1.44", "198.18.1.45", "198.18.1.46", "198.18.1.47", "198.18.1.48", "198.18.1.49", "198.18.1.50", "198.18.1.51", "198.18.1.52", "198.18.1.53", "198.18.1.54", "198.18.1.55", "198.18.1.56", "198.18.1.57", "198.18.1.58", "198.18.1.59", "198.18.1.60"]
const cmds = ['set -- $SSH_CONNECTION; echo "$3"; uname -n', 'ss -Htlnp', 'ss -Hulnp', 'df -P -k -x squashfs -x iso9660', 'df -P -i -x squashfs -x iso9660', 'cat /proc/loadavg; nproc', 'free -b']
const run = (c, cmd) => new Promise((res, rej) => c.exec(cmd, (err, s) => { if (err) return rej(err); s.on('data', () => {}).stderr.on('data', () => {}); s.on('close', res) }))
await Promise.all(hosts.map(async (h) => {
  const c = new Client()
  await new Promise((res, rej) => c.on('ready', res).on('error', rej).connect({ host: h, username: 'root', privateKey: key }))
  await run(c, cmds[0]); await Promise.all(cmds.slice(1).map(x => run(c, x))); c.end()
}))
