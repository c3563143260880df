// Moved to src/testing/postgres.ts (the fleet bench, built from src/, starts them too).
export * from '../../src/testing/postgres.ts'
