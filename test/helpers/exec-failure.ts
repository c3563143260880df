/** The ExecError a promise rejects with; fails the test when it resolves or rejects otherwise. */
import { ExecError } from '../../src/errors.ts'

export async function execFailure(p: Promise<unknown>, whenResolved = 'the promise resolved'): Promise<ExecError> {
  try {
    await p
  } catch (err) {
    if (err instanceof ExecError) return err
    throw err
  }
  throw new Error(`expected an ExecError, ${whenResolved}`)
}
