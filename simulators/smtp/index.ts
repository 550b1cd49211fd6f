/** The SMTP sink: server, mailbox and its admin routes. */
export { startSmtpSink, mailRouter, type RunningSmtpSink } from './server';
export { Mailbox, type ReceivedMail } from './mailbox';
