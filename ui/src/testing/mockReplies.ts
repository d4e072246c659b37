// Canned replies of the mock backend, chosen by what the prompt asks for, so a streamed answer
// shows the renderer's code, maths and Chinese paths.
import type { SearchSource } from '../api/types';

export interface CannedReply {
  text: string;
  reasoning: string;
  sources: SearchSource[];
}

const SOURCES: SearchSource[] = [
  { index: 1, title: 'Alibaba Cloud Model Studio documentation', url: 'https://help.aliyun.com/zh/model-studio/', siteName: 'Alibaba Cloud' },
  { index: 2, title: 'Qwen on GitHub', url: 'https://github.com/QwenLM', siteName: 'GitHub' },
];

const CODE = `Sure. A small Python function with a test:

\`\`\`python
def fizzbuzz(n: int) -> str:
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    return str(n)


assert [fizzbuzz(i) for i in (3, 5, 15, 7)] == ["Fizz", "Buzz", "FizzBuzz", "7"]
\`\`\`

The order of the checks matters: test for 15 first, or multiples of 15 print only "Fizz".`;

const MATH = `The area under $f(x) = x^2$ from $0$ to $1$ is

$$
\\int_0^1 x^2\\,dx = \\left[\\frac{x^3}{3}\\right]_0^1 = \\frac{1}{3}.
$$

In general $\\int_0^a x^n\\,dx = \\frac{a^{n+1}}{n+1}$ for $n \\neq -1$.`;

const CHINESE = `好的！下面是简要回答：

1. **通义千问**是阿里云推出的大语言模型系列，支持中英文对话、写作和编程。
2. 在百炼平台上可以按量付费调用，也可以使用免费额度。
3. 如果需要联网搜索，可以在对话参数里打开“联网搜索”。

还有什么想了解的吗？`;

function generic(prompt: string, variant: number): string {
  const topic = prompt.trim().replace(/\s+/g, ' ').slice(0, 80);
  return variant === 0
    ? `Here is a short answer about “${topic}”.\n\nFirst, the idea in one sentence: break the problem into parts you can check on their own. Second, try the smallest example by hand before writing anything general. Third, write down what would prove you wrong — then go and look for it.\n\nWant me to go deeper into any of these?`
    : `Another way to look at “${topic}”: start from the result you want and work backwards, one step at a time, until each step is something you already know how to do.`;
}

export function replyFor(prompt: string, variant = 0): CannedReply {
  const lower = prompt.toLowerCase();
  let text: string;
  if (/[\u4e00-\u9fff]/.test(prompt)) text = CHINESE;
  else if (/\b(code|python|function|rust|program)\b/.test(lower)) text = CODE;
  else if (/\b(math|integral|formula|equation)\b/.test(lower)) text = MATH;
  else text = generic(prompt, variant);
  return {
    text,
    reasoning: 'Let me think about what is being asked, pick the clearest example, and check the result before answering.',
    sources: SOURCES,
  };
}
