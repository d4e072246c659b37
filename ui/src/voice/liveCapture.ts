// The microphone for live dictation: its samples, as they come, mixed to mono, resampled to
// 16 kHz and handed over as 100 ms pieces of 16-bit little-endian PCM. An AudioWorklet captures
// off the main thread; a ScriptProcessor stands in only where the webview has no worklets.
// The worklet module is a file of the app (Vite asset), never a blob: or data: URL: the app's CSP
// allows scripts (worklets included) from 'self' only.
import liveCaptureUrl from './liveCaptureProcessor.js?url&no-inline';
import { downmix, encodePcm16le, LIVE_CHUNK_SAMPLES, LIVE_SAMPLE_RATE, resamplePiece, resampleState, splitChunks, type ResampleState } from './pcm';
import { MicError, micProblem } from './microphone';

export interface LiveCapture {
  /** The device's sample rate (what is resampled from). */
  readonly inputRate: number;
  /** Ends capturing: the last (shorter) piece is handed over, then the microphone is released. */
  stop(): Promise<void>;
  /** Ends capturing at once and drops what has not been handed over. */
  cancel(): void;
}

export interface LiveCaptureOptions {
  /** A piece of PCM (LIVE_SAMPLE_RATE, 16-bit LE mono), in order. */
  onChunk: (pcm: Uint8Array) => void;
  /** Loudness of each captured block, 0…1 (for the button's level ring). */
  onLevel?: (level: number) => void;
}

function rms(block: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < block.length; i++) sum += block[i] * block[i];
  return Math.sqrt(sum / Math.max(1, block.length));
}

/** Opens the microphone (the webview may ask the person first) and starts handing over audio. */
export async function startLiveCapture(options: LiveCaptureOptions): Promise<LiveCapture> {
  if (typeof navigator === 'undefined' || !navigator.mediaDevices?.getUserMedia) throw new MicError('unsupported');
  const Context = window.AudioContext ?? (window as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Context) throw new MicError('unsupported');
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  } catch (error) {
    throw new MicError(micProblem(error));
  }
  const releaseMic = () => {
    for (const track of stream.getTracks()) track.stop();
  };

  let context: AudioContext;
  let source: MediaStreamAudioSourceNode;
  try {
    // The device's own rate: resampling here is exact and the same in every webview.
    context = new Context();
    source = context.createMediaStreamSource(stream);
  } catch {
    releaseMic();
    throw new MicError('failed');
  }

  let resampler: ResampleState = resampleState(context.sampleRate, LIVE_SAMPLE_RATE);
  let rest: Float32Array = new Float32Array(0);
  let ended = false;
  const take = (channels: Float32Array[]) => {
    if (ended) return;
    const mono = downmix(channels);
    options.onLevel?.(Math.min(1, rms(mono) * 4));
    const step = resamplePiece(resampler, mono);
    resampler = step.state;
    const split = splitChunks(rest, step.output, LIVE_CHUNK_SAMPLES);
    rest = split.rest;
    for (const chunk of split.chunks) options.onChunk(encodePcm16le(chunk));
  };

  // Capturing nodes only run when the graph reaches the output; a muted gain keeps them silent.
  const mute = context.createGain();
  mute.gain.value = 0;
  mute.connect(context.destination);
  let capture: AudioNode;
  try {
    await context.audioWorklet.addModule(liveCaptureUrl);
    const node = new AudioWorkletNode(context, 'live-capture', { numberOfInputs: 1, numberOfOutputs: 1 });
    node.port.onmessage = (event: MessageEvent<Float32Array[]>) => take(event.data);
    capture = node;
  } catch {
    // No AudioWorklet (or its module was refused): the older, main-thread processor.
    const node = context.createScriptProcessor(4096, 2, 1);
    node.onaudioprocess = (event) => {
      const input = event.inputBuffer;
      take(Array.from({ length: input.numberOfChannels }, (_, c) => new Float32Array(input.getChannelData(c))));
    };
    capture = node;
  }
  source.connect(capture);
  capture.connect(mute);
  if (context.state === 'suspended') await context.resume().catch(() => undefined);

  const end = () => {
    ended = true;
    source.disconnect();
    capture.disconnect();
    mute.disconnect();
    if (capture instanceof AudioWorkletNode) capture.port.onmessage = null;
    releaseMic();
    void context.close().catch(() => undefined);
  };

  return {
    inputRate: context.sampleRate,
    stop: async () => {
      if (ended) return;
      // The last block may still be on its way from the audio thread.
      await new Promise((resolve) => setTimeout(resolve, 60));
      if (ended) return;
      if (rest.length > 0) options.onChunk(encodePcm16le(rest));
      rest = new Float32Array(0);
      end();
    },
    cancel: () => {
      if (!ended) end();
    },
  };
}
