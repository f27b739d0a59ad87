// The demo's sizes, apart from the demo itself so that `smit demo --help`
// shows them without loading the tensor engine. About 8 minutes on 2 cores.
export const DEMO_DEFAULTS = { trainVolumes: 48, testVolumes: 3, pretrainSteps: 40, finetuneEpochs: 10 } as const;
