// The demo's sizes, apart from the demo itself so that `smit demo --help`
// shows them without loading the tensor engine. About 4 minutes on 2 cores
// (measured 3.9 min; 7.8 min on a slower 2-core machine with an earlier form).
export const DEMO_DEFAULTS = { trainVolumes: 48, testVolumes: 3, pretrainSteps: 40, finetuneEpochs: 10 } as const;
