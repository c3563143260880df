/** access.yaml for the Slack tests: alice requests (U0ALICE), bob and carol approve, vic views; only channel C0OPS; host `pair` needs two approvals. */
export const SLACK_ACCESS = `
identities:
  alice: { roles: [operator], slack: U0ALICE }
  bob: { roles: [approver], slack: U0BOB }
  carol: { roles: [approver], slack: U0CAROL }
  vic: { roles: [viewer], slack: U0VIC }
roles:
  operator:
    - { verbs: [view, run, apply, approve], runbooks: ["*"], hosts: ["*"] }
  approver:
    - { verbs: [view, approve], runbooks: ["*"], hosts: ["*"] }
    - { verbs: [approve], runbooks: [log-dir-full], hosts: [pair], approvals: 2 }
  viewer:
    - { verbs: [view], runbooks: ["*"], hosts: ["*"] }
slack:
  channels: [C0OPS]
`
