// The AudioWorklet that hands the microphone's samples to the page (src/voice/recorder.ts). Plain
// JavaScript, loaded by URL: a worklet module is fetched by the audio thread, not bundled.
/* global AudioWorkletProcessor, registerProcessor */

class PcmCapture extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    // A copy: the engine reuses its input buffers between calls.
    if (channel && channel.length > 0) this.port.postMessage(channel.slice(0));
    return true;
  }
}

registerProcessor('pcm-capture', PcmCapture);
