// A website's pipeline, declared with the AWS CDK as a team would: its source zip in S3, a
// CodeBuild build with an inline buildspec, a Manual approval, and an S3 deploy of the site.
// `node app.mjs <outdir>` synthesizes it; Sluice runs the synthesized template.
import { App, DefaultStackSynthesizer, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';

const app = new App({ outdir: process.argv[2] ?? 'cdk.out' });
// No bootstrap version check: the template is read before any account is bootstrapped.
const stack = new Stack(app, 'SitePipeline', { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });

const sourceBucket = new s3.Bucket(stack, 'SourceBucket', { bucketName: 'cdk-site-source', versioned: true });
const siteBucket = new s3.Bucket(stack, 'SiteBucket', { bucketName: 'cdk-site' });

const build = new codebuild.PipelineProject(stack, 'BuildSite', {
  timeout: Duration.minutes(15),
  environmentVariables: { SITE_TITLE: { value: 'Built by CDK' } },
  buildSpec: codebuild.BuildSpec.fromObject({
    version: '0.2',
    env: { 'exported-variables': ['SITE_VERSION'] },
    phases: {
      build: {
        commands: ['mkdir -p site', 'export SITE_VERSION=$(cat VERSION)', 'echo "<h1>$SITE_TITLE $SITE_VERSION</h1>" > site/index.html'],
      },
    },
    artifacts: { 'base-directory': 'site', files: ['**/*'] },
  }),
});

const source = new codepipeline.Artifact('Source');
const site = new codepipeline.Artifact('Site');

new codepipeline.Pipeline(stack, 'Pipeline', {
  pipelineName: 'cdk-site',
  pipelineType: codepipeline.PipelineType.V2,
  crossAccountKeys: false,
  stages: [
    {
      stageName: 'Source',
      actions: [
        new actions.S3SourceAction({ actionName: 'Fetch', bucket: sourceBucket, bucketKey: 'site.zip', output: source, trigger: actions.S3Trigger.NONE }),
      ],
    },
    { stageName: 'Build', actions: [new actions.CodeBuildAction({ actionName: 'Build', project: build, input: source, outputs: [site] })] },
    { stageName: 'Approve', actions: [new actions.ManualApprovalAction({ actionName: 'Review' })] },
    { stageName: 'Deploy', actions: [new actions.S3DeployAction({ actionName: 'Publish', bucket: siteBucket, input: site })] },
  ],
});

app.synth();
