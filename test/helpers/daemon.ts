// Moved to src/testing/daemon.ts (the fleet bench, built from src/, starts them too).
export * from '../../src/testing/daemon.ts'
