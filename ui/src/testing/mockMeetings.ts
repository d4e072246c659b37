// Meetings and assistants of the mock backend: what Tingwu and Bailian Apps give back.
import type { Assistant, Meeting, MeetingAction, MeetingChapter, MeetingSentence, SearchSource } from '../api/types';
import { DAY_MS, mockId } from './mockData';

type Line = [speaker: string, seconds: number, text: string];

const PRODUCT_SYNC: Line[] = [
  ['1', 0, 'Morning everyone, let’s start with the release status for version 0.5.'],
  ['1', 6, 'Voice input and the meetings screen are both merged behind a flag.'],
  ['2', 14, 'QA found two issues with dictation on Linux: the microphone permission prompt appears twice.'],
  ['2', 22, 'The second one is that very short recordings come back empty instead of telling the user.'],
  ['1', 31, 'Both sound like blockers for the beta. Mei, can you take the permission prompt?'],
  ['3', 38, 'Yes, I’ll look at it today. I think the webview asks again when the audio context is recreated.'],
  ['1', 47, 'Good. Next, pricing: the semantic index costs about two fen per thousand messages.'],
  ['2', 55, 'That is cheap enough to index in the background, but we should show the count before the first run.'],
  ['3', 64, 'Agreed. I’ll add the pending count to the search palette.'],
  ['1', 71, 'Last topic: the Singapore region. Two customers asked for workspace keys there.'],
  ['2', 79, 'The endpoint switch is done; we only need to document where to find the workspace ID.'],
  ['1', 87, 'Then let’s ship the beta on Thursday if the blockers are fixed by Wednesday evening.'],
  ['3', 95, 'Sounds good. I’ll send the release notes draft tomorrow.'],
];

const WEEKLY_ZH: Line[] = [
  ['1', 0, '大家好，我们先过一下上周的进展。'],
  ['1', 4, '图片编辑功能已经上线，用户反馈整体不错。'],
  ['2', 10, '有用户反映编辑后的图片尺寸和原图不一致，需要确认是不是模型的限制。'],
  ['1', 17, '这个我来查一下文档，周三前给结论。'],
  ['3', 23, '另外，会议转写的速度比预期快，一小时的录音大约十分钟完成。'],
  ['2', 31, '但是长录音的说话人区分还不够准，三个人以上容易混淆。'],
  ['3', 38, '可以先在界面上允许用户手动改发言人的名字。'],
  ['1', 45, '好，这个放到下个迭代。本周重点是移动端的适配。'],
  ['2', 52, '移动端的布局我已经做完了三百六十像素宽度的检查。'],
  ['1', 59, '那我们周五做一次整体演示，大家准备一下。'],
];

function sentences(lines: Line[], endSeconds: number): MeetingSentence[] {
  return lines.map(([speaker, seconds, text], i) => ({
    speaker,
    beginMs: seconds * 1000,
    endMs: (lines[i + 1]?.[1] ?? endSeconds) * 1000 - 300,
    text,
  }));
}

function chapter(title: string, summary: string, from: number, to: number): MeetingChapter {
  return { title, summary, beginMs: from * 1000, endMs: to * 1000 };
}

function action(text: string, at: number | null): MeetingAction {
  return { text, beginMs: at === null ? null : at * 1000, endMs: at === null ? null : (at + 6) * 1000 };
}

interface MeetingContent {
  summary: string;
  keywords: string[];
  durationMs: number;
  sentences: MeetingSentence[];
  chapters: MeetingChapter[];
  actions: MeetingAction[];
}

export function productSyncContent(): MeetingContent {
  return {
    summary:
      'The team reviewed the 0.5 release: voice input and meetings are merged, two dictation bugs on Linux block the beta, semantic indexing is cheap enough to run in the background, and the Singapore endpoint only needs documentation. The beta ships on Thursday if the blockers are fixed by Wednesday.',
    keywords: ['release 0.5', 'dictation', 'microphone permission', 'semantic index', 'Singapore region', 'beta'],
    durationMs: 101_000,
    sentences: sentences(PRODUCT_SYNC, 101),
    chapters: [
      chapter('Release status and QA findings', 'Voice and meetings are merged; QA found two dictation issues on Linux.', 0, 31),
      chapter('Who fixes the blockers', 'Mei takes the duplicated microphone prompt.', 31, 47),
      chapter('Cost of the semantic index', 'About two fen per thousand messages; show the pending count first.', 47, 71),
      chapter('Singapore region and the beta date', 'Document the workspace ID; ship Thursday if blockers are fixed.', 71, 101),
    ],
    actions: [
      action('Mei: fix the microphone permission prompt appearing twice on Linux', 38),
      action('Show the number of messages not yet indexed in the search palette', 64),
      action('Document where to find the workspace ID for Singapore', 79),
      action('Send the release notes draft tomorrow', 95),
    ],
  };
}

function weeklyContent(): MeetingContent {
  return {
    summary:
      '回顾了上周进展：图片编辑已上线，需确认编辑后尺寸变化是否为模型限制；会议转写速度超出预期，但三人以上的说话人区分不够准确，计划允许手动改名。本周重点是移动端适配，周五整体演示。',
    keywords: ['图片编辑', '会议转写', '说话人区分', '移动端适配', '周五演示'],
    durationMs: 66_000,
    sentences: sentences(WEEKLY_ZH, 66),
    chapters: [
      chapter('上周进展与图片编辑反馈', '图片编辑上线，尺寸问题待确认。', 0, 23),
      chapter('会议转写的速度与准确度', '速度快，但多人时说话人区分不准。', 23, 45),
      chapter('本周计划', '移动端适配，周五演示。', 45, 66),
    ],
    actions: [action('周三前确认图片编辑后的尺寸问题', 17), action('允许用户手动修改发言人名字（下个迭代）', 38), action('周五做一次整体演示', 59)],
  };
}

function meeting(
  now: number,
  hoursAgo: number,
  fileUrl: string,
  status: Meeting['status'],
  content: MeetingContent | null,
  failure: { errorCode: string; dashscopeCode: string; errorMessage: string } | null = null,
): Meeting {
  const createdAt = now - hoursAgo * 3_600_000;
  return {
    id: mockId(createdAt),
    dataId: status === 'submitting' ? null : `tw-${Math.round(createdAt / 1000).toString(16)}`,
    fileUrl,
    status,
    errorCode: failure?.errorCode ?? null,
    dashscopeCode: failure?.dashscopeCode ?? null,
    errorMessage: failure?.errorMessage ?? null,
    summary: content?.summary ?? null,
    keywords: content?.keywords ?? [],
    durationMs: content?.durationMs ?? null,
    sentenceCount: content?.sentences.length ?? 0,
    chapterCount: content?.chapters.length ?? 0,
    actionCount: content?.actions.length ?? 0,
    createdAt,
    updatedAt: createdAt + (status === 'succeeded' || status === 'failed' ? 9 * 60_000 : 60_000),
    sentences: content?.sentences ?? [],
    chapters: content?.chapters ?? [],
    actions: content?.actions ?? [],
  };
}

export function seedMeetings(now: number): Meeting[] {
  return [
    // Left running when the app last closed: resume_meetings finishes it.
    meeting(now, 0.3, 'https://oss.example.com/recordings/design-review.m4a', 'running', null),
    meeting(now, 3, 'https://oss.example.com/recordings/product-sync-0.5.mp3', 'succeeded', productSyncContent()),
    meeting(now, 27, 'https://oss.example.com/recordings/%E5%91%A8%E4%BC%9A.mp3', 'succeeded', weeklyContent()),
    meeting(now, 2 * 24, 'https://oss.example.com/recordings/all-hands.wav', 'failed', null, {
      errorCode: 'bad_request',
      dashscopeCode: 'TSC.AudioFileLinkError',
      errorMessage: 'The audio file link could not be downloaded (HTTP 403).',
    }),
  ];
}

/** What a new meeting from `fileUrl` turns into once Tingwu is done with it. */
export function meetingContentFor(fileUrl: string): MeetingContent {
  return /[\u4e00-\u9fff]|%E[4-9]/i.test(fileUrl) ? weeklyContent() : productSyncContent();
}

export function seedAssistants(now: number): Assistant[] {
  return [
    { appId: '8f3c2d1e9b7a4c6d', name: 'HR policy helper', model: 'app:8f3c2d1e9b7a4c6d', addedAt: now - 12 * DAY_MS },
  ];
}

/** An assistant's answer: its thoughts, the answer, and the knowledge-base documents it used. */
export function assistantReply(prompt: string, name: string): { thoughts: string; text: string; sources: SearchSource[] } {
  const chinese = /[\u4e00-\u9fff]/.test(prompt);
  return {
    thoughts: chinese
      ? '用户在问公司制度。先在知识库中检索相关条款，再按条款原文回答，并注明出处。'
      : 'The question is about company policy. Search the knowledge base for the relevant clauses, answer from their wording, and cite them.',
    text: chinese
      ? `根据《员工手册》第 4.2 条，年假按工龄计算：满一年 5 天，满十年 10 天，满二十年 15 天[1]。未休完的年假可以顺延到次年第一季度[2]。\n\n—— ${name}`
      : `According to section 4.2 of the Employee Handbook, annual leave grows with service: 5 days after one year, 10 after ten years and 15 after twenty [1]. Unused days carry over until the end of the next quarter [2].\n\n— ${name}`,
    sources: [
      { index: 1, title: 'Employee Handbook 2025, section 4.2', url: 'bailian-doc:doc-7d1f0a', siteName: 'employee-handbook-2025.pdf' },
      { index: 2, title: 'Leave carry-over policy', url: 'https://intranet.example.com/policies/leave', siteName: 'leave-policy.docx' },
    ],
  };
}
