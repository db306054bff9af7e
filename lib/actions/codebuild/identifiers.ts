import { BadInputError } from '../../core/errors';

/**
 * CodeBuild's SourceIdentifier and ArtifactIdentifier take letters, digits and `_` only, while
 * CodePipeline's artifact names may also hold `-`. CodePipeline passes the name as it is, so a
 * build whose artifact name holds `-` is refused; Sluice writes `_` for each `-`, so the buildspec
 * finds `Src-Lib` as CODEBUILD_SRC_DIR_Src_Lib and names a secondary artifact `Site_Out`.
 */
export function codeBuildIdentifier(artifactName: string): string {
  return artifactName.replaceAll('-', '_');
}

/** The identifiers of an action's artifacts, refused when two names become the same one. */
export function codeBuildIdentifiers(actionName: string, artifactNames: readonly string[]): string[] {
  const byIdentifier = new Map<string, string>();
  return artifactNames.map((name) => {
    const identifier = codeBuildIdentifier(name);
    const clash = byIdentifier.get(identifier);
    if (clash !== undefined) {
      throw new BadInputError(
        `${actionName}: artifacts ${clash} and ${name} both reach CodeBuild as ${identifier}, since its identifiers cannot hold "-". Rename one of them.`,
      );
    }
    byIdentifier.set(identifier, name);
    return identifier;
  });
}
