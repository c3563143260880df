// Moved to src/testing/redis.ts (the fleet bench, built from src/, starts them too).
export * from '../../src/testing/redis.ts'
