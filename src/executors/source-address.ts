/**
 * Which address of this machine a host would see us come from: the source address the kernel picks
 * for a route to it. Connecting a UDP socket only consults the routing table; no packet is sent.
 */
import { createSocket } from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'

/**
 * @example
 * await sourceAddressTo('127.0.0.1')      // '127.0.0.1'
 * await sourceAddressTo('198.18.1.11')    // '198.18.1.1' (the lab bridge address)
 */
export async function sourceAddressTo(hostOrAddress: string): Promise<string | undefined> {
  const address = isIP(hostOrAddress) ? hostOrAddress : (await lookup(hostOrAddress).catch(() => undefined))?.address
  if (!address) return undefined
  const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.connect(9, address, () => resolve())
    })
    return socket.address().address
  } catch {
    return undefined // no route
  } finally {
    socket.close()
  }
}
