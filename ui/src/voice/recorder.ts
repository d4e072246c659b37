// The microphone, recorded as raw samples (no MediaRecorder: its formats differ between webviews
// and Paraformer wants plain PCM). An AudioWorklet does the capturing where the webview has one,
// a ScriptProcessor elsewhere.
// Never inlined as a data: URL: the app's CSP lets worklets load from the app itself only.
import captureProcessorUrl from './captureProcessor.js?url&no-inline';
import { concatFloat32, DICTATION_SAMPLE_RATE, resample } from './audioData';

/** Why the microphone could not be used. */
export type MicProblem = 'unsupported' | 'noMicrophone' | 'denied' | 'busy' | 'failed';

export class MicError extends Error {
  constructor(readonly problem: MicProblem) {
    super(`microphone: ${problem}`);
  }
}

export interface Recording {
  /** Ends the recording; resolves with the samples at DICTATION_SAMPLE_RATE. */
  stop(): Promise<Float32Array>;
  /** Ends it and throws the samples away. */
  cancel(): void;
}

export interface RecordingOptions {
  /** The loudness of each captured block, 0…1 (for a level meter). */
  onLevel?: (level: number) => void;
}

export function micProblem(error: unknown): MicProblem {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return 'noMicrophone';
    case 'NotReadableError':
    case 'AbortError':
    case 'TrackStartError':
      return 'busy';
    default:
      return 'failed';
  }
}

/** The microphone as a node of a new context: at Paraformer's rate where the webview can connect
 * a stream to such a context (no resampling then), at the device's rate otherwise. */
function openSource(stream: MediaStream): { context: AudioContext; source: MediaStreamAudioSourceNode } {
  const Context = window.AudioContext ?? (window as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Context) throw new MicError('unsupported');
  let context: AudioContext | null = null;
  try {
    context = new Context({ sampleRate: DICTATION_SAMPLE_RATE });
    return { context, source: context.createMediaStreamSource(stream) };
  } catch {
    void context?.close().catch(() => undefined);
  }
  context = new Context();
  return { context, source: context.createMediaStreamSource(stream) };
}

function rms(block: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < block.length; i++) sum += block[i] * block[i];
  return Math.sqrt(sum / Math.max(1, block.length));
}

/** Opens the microphone and starts recording (the webview may ask the person first). */
export async function startRecording(options: RecordingOptions = {}): Promise<Recording> {
  if (typeof navigator === 'undefined' || !navigator.mediaDevices?.getUserMedia) throw new MicError('unsupported');
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  } catch (error) {
    throw new MicError(micProblem(error));
  }

  let context: AudioContext;
  let source: MediaStreamAudioSourceNode;
  try {
    ({ context, source } = openSource(stream));
  } catch (error) {
    for (const track of stream.getTracks()) track.stop();
    throw error instanceof MicError ? error : new MicError('failed');
  }

  const blocks: Float32Array[] = [];
  const take = (block: Float32Array) => {
    blocks.push(block);
    options.onLevel?.(Math.min(1, rms(block) * 4));
  };
  // Capturing nodes only run when the graph reaches the output; a muted gain keeps them silent.
  const mute = context.createGain();
  mute.gain.value = 0;
  mute.connect(context.destination);

  let capture: AudioNode;
  try {
    await context.audioWorklet.addModule(captureProcessorUrl);
    const node = new AudioWorkletNode(context, 'pcm-capture', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1 });
    node.port.onmessage = (event: MessageEvent<Float32Array>) => take(event.data);
    capture = node;
  } catch {
    // No AudioWorklet (or its module refused): the older, main-thread processor.
    const node = context.createScriptProcessor(4096, 1, 1);
    node.onaudioprocess = (event) => take(new Float32Array(event.inputBuffer.getChannelData(0)));
    capture = node;
  }
  source.connect(capture);
  capture.connect(mute);
  if (context.state === 'suspended') await context.resume().catch(() => undefined);

  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    source.disconnect();
    capture.disconnect();
    mute.disconnect();
    for (const track of stream.getTracks()) track.stop();
    void context.close().catch(() => undefined);
  };

  return {
    stop: async () => {
      // The last block may still be on its way from the audio thread.
      await new Promise((resolve) => setTimeout(resolve, 60));
      const rate = context.sampleRate;
      end();
      return resample(concatFloat32(blocks), rate, DICTATION_SAMPLE_RATE);
    },
    cancel: end,
  };
}
