export interface RssGrowth {
  /** Resident set size when sampling started, in bytes. */
  startBytes: number;
  /** The largest sample, in bytes. */
  peakBytes: number;
  /** How far the peak rose above the start, in bytes; never negative. */
  growthBytes: number;
  samples: number;
}

export interface RssSampler {
  stop(): RssGrowth;
}

/**
 * Samples this process's RSS on a timer. A busy event loop delays samples, so a short spike can be
 * missed; the peak is a lower bound. The embedded servers run in this process, so their memory counts.
 */
export function sampleRss(intervalMs = 50): RssSampler {
  const startBytes = process.memoryUsage.rss();
  let peakBytes = startBytes;
  let samples = 1;
  const record = () => {
    peakBytes = Math.max(peakBytes, process.memoryUsage.rss());
    samples += 1;
  };
  const timer = setInterval(record, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      record();
      return { startBytes, peakBytes, growthBytes: Math.max(0, peakBytes - startBytes), samples };
    },
  };
}

export const MIB = 1024 * 1024;
