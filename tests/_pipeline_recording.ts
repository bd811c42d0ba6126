// A raw recording for the pipeline checks outside Deno (Node, the browser): 40 s at 50 Hz in
// m/s^2, still for 20 s, then a 2 Hz swing.

/** The recording, x y z interleaved. */
export function pipelineRecording(): { samples: number[]; rate: number; units: string } {
  const samples = Array.from({ length: 2000 * 3 }, (_, i) => {
    const t = Math.floor(i / 3) / 50, swing = t > 20 ? 4 * Math.sin(4 * Math.PI * t) : 0;
    return i % 3 === 2 ? 9.81 + swing : i % 3 === 0 ? 0.3 * swing : 0.1;
  });
  return { samples, rate: 50, units: "m/s^2" };
}
