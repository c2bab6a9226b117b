// A local serverless plugin for `npm start`: once serverless-esbuild has bundled the functions for
// serverless-offline, esbuild's service process is stopped. It would otherwise hold about 150 MB for the
// life of the stack, for rebuilds npm start never asks for (serverless.yml: skipRebuild, no watch).
class StopEsbuildAfterBundling {
  constructor() {
    const stop = () => require('esbuild').stop();
    this.hooks = { 'before:offline:start': stop, 'before:offline:start:init': stop };
  }
}

module.exports = StopEsbuildAfterBundling;
