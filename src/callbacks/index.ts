// The public callbacks namespace (tk.callbacks): Keras's callbacks and the progress bar.

export { Callback, CallbackList, sortLogs, type CallbackHooks, type CallbackLike, type CallbackModel, type CallbackParams, type Hook, type Logs, type PredictBatchLogs, type SyncHook } from './callback.js';
export { History, type HistoryRow } from './history.js';
export { EarlyStopping, type EarlyStoppingOptions } from './early_stopping.js';
export { TerminateOnNaN } from './terminate_on_nan.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce_lr_on_plateau.js';
export { LearningRateScheduler, type EpochSchedule } from './learning_rate_scheduler.js';
export { CSVLogger } from './csv_logger.js';
export { ModelCheckpoint, formatPath, type ModelCheckpointOptions } from './model_checkpoint.js';
export { Progbar, ProgbarLogger, type ProgbarOptions, type ProgbarLoggerOptions, type ProgressOutput } from './progbar.js';
export { monitorDirection, type MonitorMode } from './monitor.js';
export { formatLogValue, formatFixed, formatExponential, pythonFloatRepr } from './format.js';
export { GradientStats, type GradientStatsOptions, type GradientStatsEpoch, type LayerGradientStats, type VariableGradientStats } from './gradient_stats.js';
