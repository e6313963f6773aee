/** One run for every test: unit specs beside the code (src/**\/*.spec.ts) and e2e specs in test/. */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts', 'node'],
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // A few dependencies ship only ES modules, which Jest on Node 20 cannot require: compile them to CommonJS.
    '/node_modules/content-disposition/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60000,
};
