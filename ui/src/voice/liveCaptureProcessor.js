// The AudioWorklet of live dictation (src/voice/liveCapture.ts): hands the microphone's channels
// to the page in blocks of about 20 ms, so the page gets tens of messages a second, not hundreds.
// Loaded by URL from the app itself (the CSP allows worklet scripts from 'self' only, not blob:).
/* global AudioWorkletProcessor, registerProcessor, sampleRate */

class LiveCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.size = Math.max(128, Math.round(sampleRate / 50));
    this.blocks = [];
    this.frames = 0;
  }

  process(inputs) {
    const input = inputs[0];
    if (input && input.length > 0 && input[0].length > 0) {
      // Copies: the engine reuses its input buffers between calls.
      this.blocks.push(input.map((channel) => channel.slice(0)));
      this.frames += input[0].length;
      if (this.frames >= this.size) {
        const channels = this.blocks[0].map((_, c) => {
          const out = new Float32Array(this.frames);
          let at = 0;
          for (const block of this.blocks) {
            const channel = block[c] || block[0];
            out.set(channel, at);
            at += channel.length;
          }
          return out;
        });
        this.port.postMessage(channels, channels.map((channel) => channel.buffer));
        this.blocks = [];
        this.frames = 0;
      }
    }
    return true;
  }
}

registerProcessor('live-capture', LiveCapture);
