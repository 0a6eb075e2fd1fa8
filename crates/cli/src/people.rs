//! People subcommands: `cluster`, `people …`, `suggestions …`. Persons are given by id
//! (`12` or `#12`) or by name; faces by id. Commands that only read open the catalog
//! read-only; commands that write open the library's session (its lock, its settings, and its
//! XMP trigger: `crate::session`).
#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use likeness_engine::catalog::{Catalog, EditSummary, FaceId, PersonId, PhotoId};
use likeness_engine::people::{self, MoveTarget};
use likeness_engine::{EngineError, JobKind, Library};

use crate::session::{install_ctrlc, print_or, LibraryLocation};
use likeness_api::{
    ApiError, ClusterDto, EditDto, ErrorEnvelope, HistoryDto, MergeSuggestionDto, PersonDetailDto,
    PersonDto, PersonEditDto, ProvenanceDto, SuggestionDto, UnsortedDto,
};

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// Everyone found: named people and unnamed clusters, biggest first.
    List {
        /// Include hidden people.
        #[arg(long)]
        all: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// One person: counts, faces and open suggestions.
    Show {
        /// The person: a name or an id (`12` or `#12`).
        person: String,
        /// List at most this many faces (and suggestions); 0 lists them all. When there are
        /// more, the output says how many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Name a person or an unnamed cluster (its faces become confirmed). If someone already
    /// has the name, they are the same person: the two are merged.
    Name {
        /// The person: a name or an id (`12` or `#12`).
        person: String,
        /// The name to give.
        name: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Change a person's name (refused if another person has it: use `name` or `merge`).
    Rename {
        /// The person: a name or an id (`12` or `#12`).
        person: String,
        /// The new name.
        name: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Merge people into one: `people merge Anna "#12" --into Ann`.
    Merge {
        /// The people merged away: names or ids (`12` or `#12`).
        #[arg(required = true)]
        people: Vec<String>,
        /// The person they become (name or id); keeps its name.
        #[arg(long)]
        into: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Say these faces are someone: `--to PERSON`, or `--new NAME` (created when nobody
    /// has the name yet).
    Move {
        /// Face ids (from `likeness people show`).
        #[arg(required = true)]
        faces: Vec<FaceId>,
        /// The person they are: a name or an id (`12` or `#12`).
        #[arg(long, conflicts_with = "new", required_unless_present = "new")]
        to: Option<String>,
        /// The name of the person they are (created if nobody has it yet).
        #[arg(long)]
        new: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// "Not this person": the faces leave the person and never come back by clustering.
    Reject {
        /// The person: a name or an id (`12` or `#12`).
        person: String,
        /// Face ids (from `likeness people show`) that are not this person.
        #[arg(required = true)]
        faces: Vec<FaceId>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Mark detections that are not faces (or `--unmark` them).
    NotAFace {
        /// Face ids (from `likeness people show`).
        #[arg(required = true)]
        faces: Vec<FaceId>,
        /// Undo the mark: the detections are faces again.
        #[arg(long)]
        unmark: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Hide a person from the list (faces and name are kept).
    Hide {
        /// The people: names or ids (`12` or `#12`); several are one edit (one undo).
        #[arg(required = true)]
        people: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show a hidden person again.
    Unhide {
        /// The people: names or ids (`12` or `#12`); several are one edit (one undo).
        #[arg(required = true)]
        people: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Choose the face shown for a person.
    Cover {
        /// The person: a name or an id (`12` or `#12`).
        person: String,
        /// The face id (one of the person's, from `likeness people show`).
        face: FaceId,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Undo the last people edit.
    Undo {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Redo the edit undone last.
    Redo {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The latest people edits, newest first.
    History {
        /// At most this many edits.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct SuggestionsArgs {
    /// "Are these the same person?" for pairs of people instead of "Is this X?" for faces:
    /// accept / reject then take FROM:INTO pairs (ids, as listed).
    #[arg(long, global = true)]
    merges: bool,
    /// Only suggestions for this person.
    #[arg(long, global = true)]
    person: Option<String>,
    /// At most this many (listing).
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    action: Option<SuggestionAction>,
}

#[derive(Debug, Subcommand)]
pub enum SuggestionAction {
    /// "Yes": the faces become their suggested person's (with --merges: each FROM person is
    /// merged into INTO, one undoable edit per pair).
    Accept {
        /// Face ids (from `likeness suggestions`), or FROM:INTO person ids with --merges.
        items: Vec<String>,
        /// Every open suggestion (of `--person`, if given).
        #[arg(long, conflicts_with = "items")]
        all: bool,
    },
    /// "No": the faces are rejected for their suggested person (with --merges: "not the
    /// same person", never asked again; one undoable edit for all pairs).
    Reject {
        /// Face ids (from `likeness suggestions`), or FROM:INTO person ids with --merges.
        items: Vec<String>,
        /// Every open suggestion (of `--person`, if given).
        #[arg(long, conflicts_with = "items")]
        all: bool,
    },
}

/// `likeness unsorted`: faces in no person.
#[derive(Debug, Args)]
pub struct UnsortedArgs {
    /// At most this many (listing).
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Skip this many first (listing).
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    action: Option<UnsortedAction>,
}

#[derive(Debug, Subcommand)]
pub enum UnsortedAction {
    /// Give faces a person: an existing one (id or name) or a new one with this name (one
    /// undoable edit).
    Name {
        /// The person's name (or id, `#12`).
        person: String,
        /// Face ids (from `likeness unsorted`).
        #[arg(required = true)]
        faces: Vec<FaceId>,
    },
    /// Dismiss faces nobody needs to sort (strangers, posters, statues): marked "not a face",
    /// so they leave this list and clustering (one undoable edit).
    Dismiss {
        /// Face ids (from `likeness unsorted`).
        faces: Vec<FaceId>,
        /// Every unsorted face below the quality bar.
        #[arg(long, conflicts_with = "faces")]
        low_quality: bool,
    },
}

/// `likeness cluster`.
pub fn cluster(location: &LibraryLocation, args: ClusterArgs) -> anyhow::Result<ExitCode> {
    report(args.json, || {
        // With the clustering strictness the app's Settings saved for this library.
        let summary = location.with_session(|lib| {
            let job = lib.start_job(JobKind::Cluster)?;
            install_ctrlc(job.control());
            Ok(lib.recluster_in(&job)?)
        })?;
        let dto = ClusterDto::from(&summary);
        print_or(args.json, &dto, || println!("{}", cluster_line(&dto)))?;
        Ok(ExitCode::SUCCESS)
    })
}

/// One line about a clustering run, for people.
pub fn cluster_line(c: &ClusterDto) -> String {
    format!(
        "clustered {} faces in {:.1} s: {} groups ({} recognised, {} suggested, {} unnamed), \
         {} faces on their own; {} faces assigned, {} suggestions",
        c.clustered,
        c.seconds,
        c.clusters,
        c.to_people,
        c.suggested_clusters,
        c.unnamed,
        c.noise,
        c.assigned,
        c.suggested
    )
}

/// `likeness people …`.
pub fn people_command(
    location: &LibraryLocation,
    command: PeopleCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        PeopleCommand::List { all, json } => report(json, || {
            let (_, catalog) = location.open_reader()?;
            let list: Vec<PersonDto> = people::overview(&catalog, all)?
                .iter()
                .map(PersonDto::from)
                .collect();
            print_or(json, &list, || print_people(&list))?;
            Ok(ExitCode::SUCCESS)
        }),
        PeopleCommand::Show {
            person,
            limit,
            json,
        } => report(json, || {
            let (_, catalog) = location.open_reader()?;
            let id = people::find_person(&catalog, &person)?.id;
            let limit = (limit > 0).then_some(limit);
            let detail = people::person_detail(&catalog, id, limit.unwrap_or(usize::MAX), 0)?;
            let mut paths = PhotoPaths::new(&catalog);
            let dto = PersonDetailDto::new(id, &detail, limit, |photo| paths.get(photo));
            print_or(json, &dto, || print_detail(&dto))?;
            Ok(ExitCode::SUCCESS)
        }),
        PeopleCommand::Name { person, name, json } => report(json, || {
            let (id, done) = location.with_session(|lib| {
                let id = find(lib, &person)?;
                Ok((id, lib.name(id, &name)?))
            })?;
            let dto = PersonEditDto::from(&done);
            print_or(json, &dto, || {
                if done.merged {
                    println!(
                        "{name} already existed: merged person #{id} into #{}",
                        done.person
                    );
                } else {
                    println!("{}", done.edit.label);
                }
                undo_hint();
            })?;
            Ok(ExitCode::SUCCESS)
        }),
        PeopleCommand::Rename { person, name, json } => {
            write_edit(location, json, |lib| lib.rename(find(lib, &person)?, &name))
        }
        PeopleCommand::Merge {
            people: from,
            into,
            json,
        } => write_edit(location, json, |lib| {
            let into = find(lib, &into)?;
            let from = find_all(lib, &from)?;
            lib.merge(&from, into)
        }),
        PeopleCommand::Move {
            faces,
            to,
            new,
            json,
        } => report(json, || {
            let done = location.with_session(|lib| {
                Ok(match (&to, &new) {
                    (Some(to), _) => lib.move_faces(&faces, MoveTarget::Person(find(lib, to)?))?,
                    (None, Some(name)) => lib.move_faces(&faces, MoveTarget::Named(name))?,
                    (None, None) => anyhow::bail!("say where: --to PERSON or --new NAME"),
                })
            })?;
            let dto = PersonEditDto::from(&done);
            print_or(json, &dto, || {
                println!("{}", done.edit.label);
                undo_hint();
            })?;
            Ok(ExitCode::SUCCESS)
        }),
        PeopleCommand::Reject {
            person,
            faces,
            json,
        } => write_edit(location, json, |lib| {
            lib.reject(&faces, find(lib, &person)?)
        }),
        PeopleCommand::NotAFace {
            faces,
            unmark,
            json,
        } => write_edit(location, json, |lib| lib.not_a_face(&faces, !unmark)),
        PeopleCommand::Hide { people, json } => write_edit(location, json, |lib| {
            lib.set_hidden(&find_all(lib, &people)?, true)
        }),
        PeopleCommand::Unhide { people, json } => write_edit(location, json, |lib| {
            lib.set_hidden(&find_all(lib, &people)?, false)
        }),
        PeopleCommand::Cover { person, face, json } => write_edit(location, json, |lib| {
            lib.set_cover(find(lib, &person)?, face)
        }),
        PeopleCommand::Undo { json } => report(json, || {
            let e = location.with_session(|lib| Ok(lib.undo()?))?;
            print_or(json, &EditDto::from(&e), || {
                println!("undone: {}", e.label);
                skipped_note(&e);
            })?;
            Ok(ExitCode::SUCCESS)
        }),
        PeopleCommand::Redo { json } => report(json, || {
            let e = location.with_session(|lib| Ok(lib.redo()?))?;
            print_or(json, &EditDto::from(&e), || {
                println!("redone: {}", e.label);
                skipped_note(&e);
            })?;
            Ok(ExitCode::SUCCESS)
        }),
        PeopleCommand::History { limit, json } => report(json, || {
            let (_, catalog) = location.open_reader()?;
            let rows: Vec<HistoryDto> = people::history(&catalog, limit)?
                .iter()
                .map(HistoryDto::from)
                .collect();
            print_or(json, &rows, || {
                if rows.is_empty() {
                    println!("no edits yet");
                }
                for r in &rows {
                    let state = if r.state == "undone" { " (undone)" } else { "" };
                    println!("{:>5}  {}{state}", r.id, r.label);
                }
            })?;
            Ok(ExitCode::SUCCESS)
        }),
    }
}

/// `likeness suggestions --merges [accept|reject]`.
fn merge_suggestions(
    location: &LibraryLocation,
    args: SuggestionsArgs,
) -> anyhow::Result<ExitCode> {
    let json = args.json;
    report(json, || {
        let Some(action) = args.action else {
            let list: Vec<MergeSuggestionDto> = location.with_session(|lib| {
                let found = lib.merge_suggestions(args.limit)?;
                let people = people::overview(&*lib.catalog()?, true)?;
                Ok(found
                    .iter()
                    .filter_map(|m| MergeSuggestionDto::new(m, &people))
                    .collect())
            })?;
            print_or(json, &list, || {
                if list.is_empty() {
                    println!("no merge suggestions");
                }
                for m in &list {
                    println!(
                        "Are {} and {} the same person? ({:.2})  {}:{}",
                        person_with_photos(&m.from),
                        person_with_photos(&m.into),
                        m.confidence,
                        m.from.id,
                        m.into.id
                    );
                }
            })?;
            return Ok(ExitCode::SUCCESS);
        };
        let (items, all, accept) = match action {
            SuggestionAction::Accept { items, all } => (items, all, true),
            SuggestionAction::Reject { items, all } => (items, all, false),
        };
        if !all && items.is_empty() {
            anyhow::bail!(
                "name the pairs as FROM:INTO (ids from `likeness suggestions --merges`) or pass --all"
            );
        }
        let given = items
            .iter()
            .map(|i| parse_pair(i))
            .collect::<Result<Vec<_>, EngineError>>()?;
        let edits: Vec<EditSummary> = location.with_session(|lib| {
            let pairs: Vec<(PersonId, PersonId)> = if all {
                lib.merge_suggestions(usize::MAX)?
                    .iter()
                    .map(|m| (m.from, m.into))
                    .collect()
            } else {
                given
            };
            if pairs.is_empty() {
                return Ok(Vec::new());
            }
            if !accept {
                return Ok(vec![lib.not_same_person(&pairs)?]);
            }
            // A person merged away by an earlier pair of the batch is gone: its later pairs
            // follow it into where it went.
            let mut went: HashMap<PersonId, PersonId> = HashMap::new();
            let mut edits = Vec::new();
            for (from, into) in pairs {
                let resolve = |mut p: PersonId| {
                    while let Some(&next) = went.get(&p) {
                        p = next;
                    }
                    p
                };
                let (from, into) = (resolve(from), resolve(into));
                if from == into {
                    continue;
                }
                edits.push(lib.merge(&[from], into)?);
                went.insert(from, into);
            }
            Ok(edits)
        })?;
        print_edits(json, &edits, "no merge suggestions")
    })
}

/// The edits a batch made (JSON: their list), or `none` when it made none.
fn print_edits(json: bool, edits: &[EditSummary], none: &str) -> anyhow::Result<ExitCode> {
    let dto: Vec<EditDto> = edits.iter().map(EditDto::from).collect();
    print_or(json, &dto, || {
        if edits.is_empty() {
            println!("{none}");
            return;
        }
        for e in edits {
            println!("{}", e.label);
        }
        undo_hint();
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `12:3` → (12, 3).
fn parse_pair(text: &str) -> Result<(PersonId, PersonId), EngineError> {
    let parse = |t: &str| t.trim().trim_start_matches('#').parse::<PersonId>().ok();
    text.split_once(':')
        .and_then(|(a, b)| Some((parse(a)?, parse(b)?)))
        .ok_or_else(|| EngineError::Invalid {
            message: format!("{text:?} is not FROM:INTO (two person ids)"),
        })
}

/// `likeness unsorted [name|dismiss]`.
pub fn unsorted(location: &LibraryLocation, args: UnsortedArgs) -> anyhow::Result<ExitCode> {
    let json = args.json;
    report(json, || {
        let Some(action) = args.action else {
            let dto = location.with_session(|lib| {
                let bar = lib.config()?.people.min_quality;
                let catalog = lib.catalog()?;
                let list = people::unsorted(&catalog, args.limit, args.offset)?;
                let names: HashMap<PersonId, Option<String>> = catalog
                    .people()?
                    .into_iter()
                    .map(|p| (p.id, p.name))
                    .collect();
                let mut paths = PhotoPaths::new(&catalog);
                Ok(UnsortedDto::new(
                    &list,
                    args.offset,
                    bar,
                    |p| names.get(&p).cloned().flatten(),
                    |ph| paths.get(ph),
                ))
            })?;
            print_or(json, &dto, || {
                if dto.total == 0 {
                    println!("no unsorted faces");
                    return;
                }
                println!(
                    "{} unsorted faces{}",
                    dto.total,
                    if dto.faces.len() < dto.total as usize {
                        format!(" ({} from {})", dto.faces.len(), dto.offset)
                    } else {
                        String::new()
                    }
                );
                for f in &dto.faces {
                    let quality = f.quality.map(|q| format!("{q:.2}")).unwrap_or("–".into());
                    let low = if f.low_quality { " small/blurry" } else { "" };
                    let hint = f
                        .suggested
                        .as_ref()
                        .map(|s| {
                            format!(
                                " — is this {}?",
                                s.name.clone().unwrap_or(format!("#{}", s.person))
                            )
                        })
                        .unwrap_or_default();
                    println!(
                        "face {:>6}  quality {quality}{low}  {}{hint}",
                        f.id,
                        f.path.as_deref().unwrap_or("(no file)")
                    );
                }
            })?;
            return Ok(ExitCode::SUCCESS);
        };
        match action {
            UnsortedAction::Name { person, faces } => {
                let e = location.with_session(|lib| {
                    let target = match people::find_person(&*lib.catalog()?, &person) {
                        Ok(p) => MoveTarget::Person(p.id),
                        Err(_) => MoveTarget::Named(&person),
                    };
                    Ok(lib.move_faces(&faces, target)?)
                })?;
                print_or(json, &PersonEditDto::from(&e), || {
                    println!("{}", e.edit.label);
                    undo_hint();
                })?;
            }
            UnsortedAction::Dismiss { faces, low_quality } => {
                let e = location.with_session(|lib| {
                    let faces = if low_quality {
                        let bar = lib.config()?.people.min_quality;
                        let all = people::unsorted(&*lib.catalog()?, usize::MAX, 0)?;
                        all.faces
                            .iter()
                            .filter(|f| !people::quality_passes(f.quality, bar))
                            .map(|f| f.id)
                            .collect()
                    } else {
                        faces
                    };
                    if faces.is_empty() {
                        anyhow::bail!(
                            "name the faces (ids from `likeness unsorted`) or pass --low-quality"
                        );
                    }
                    Ok(lib.not_a_face(&faces, true)?)
                })?;
                print_or(json, &EditDto::from(&e), || {
                    println!("{}", e.label);
                    undo_hint();
                })?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `likeness suggestions [accept|reject]`.
pub fn suggestions(location: &LibraryLocation, args: SuggestionsArgs) -> anyhow::Result<ExitCode> {
    if args.merges {
        return merge_suggestions(location, args);
    }
    let json = args.json;
    report(json, || {
        let Some(action) = args.action else {
            let (_, catalog) = location.open_reader()?;
            let person = match &args.person {
                Some(p) => Some(people::find_person(&catalog, p)?.id),
                None => None,
            };
            let mut paths = PhotoPaths::new(&catalog);
            let list: Vec<SuggestionDto> = people::suggestions(&catalog, person, args.limit)?
                .iter()
                .map(|s| SuggestionDto::new(s, paths.get(s.photo)))
                .collect();
            print_or(json, &list, || {
                if list.is_empty() {
                    println!("no suggestions");
                }
                for s in &list {
                    print_suggestion(s);
                }
            })?;
            return Ok(ExitCode::SUCCESS);
        };
        let (items, all, accept) = match action {
            SuggestionAction::Accept { items, all } => (items, all, true),
            SuggestionAction::Reject { items, all } => (items, all, false),
        };
        let faces = items
            .iter()
            .map(|i| {
                i.parse::<FaceId>()
                    .map_err(|_| anyhow::anyhow!("{i:?} is not a face id"))
            })
            .collect::<anyhow::Result<Vec<FaceId>>>()?;
        if !all && faces.is_empty() {
            anyhow::bail!("name the faces (ids from `likeness suggestions`) or pass --all");
        }
        let edits: Vec<EditSummary> = location.with_session(|lib| {
            let faces: Vec<FaceId> = if all {
                let catalog = lib.catalog()?;
                let person = match &args.person {
                    Some(p) => Some(people::find_person(&catalog, p)?.id),
                    None => None,
                };
                people::suggestions(&catalog, person, usize::MAX)?
                    .iter()
                    .map(|s| s.face)
                    .collect()
            } else {
                faces
            };
            if faces.is_empty() {
                return Ok(Vec::new());
            }
            Ok(if accept {
                vec![lib.accept_suggestions(&faces)?]
            } else {
                vec![lib.reject_suggestions(&faces)?]
            })
        })?;
        print_edits(json, &edits, "no suggestions")
    })
}

/// The person a command names (`12`, `#12` or a name).
fn find(lib: &Library, key: &str) -> Result<PersonId, EngineError> {
    Ok(people::find_person(&*lib.catalog()?, key)?.id)
}

fn find_all(lib: &Library, keys: &[String]) -> Result<Vec<PersonId>, EngineError> {
    keys.iter().map(|k| find(lib, k)).collect()
}

/// A write that results in one edit: prints its label (or the EditDto).
fn write_edit(
    location: &LibraryLocation,
    json: bool,
    op: impl FnOnce(&Library) -> Result<EditSummary, EngineError>,
) -> anyhow::Result<ExitCode> {
    report(json, || {
        let e = location.with_session(|lib| Ok(op(lib)?))?;
        print_or(json, &EditDto::from(&e), || {
            println!("{}", e.label);
            undo_hint();
        })?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Runs a command; with `--json`, an engine error is printed as `{"error": {code, message}}`
/// on stdout (and the message on stderr), exit code 1.
fn report(json: bool, f: impl FnOnce() -> anyhow::Result<ExitCode>) -> anyhow::Result<ExitCode> {
    match f() {
        Err(e) if json => match e.downcast_ref::<EngineError>() {
            Some(engine) => {
                let envelope = ErrorEnvelope {
                    error: ApiError::from(engine),
                };
                println!("{}", serde_json::to_string_pretty(&envelope)?);
                eprintln!("likeness: {e:#}");
                Ok(ExitCode::from(1))
            }
            None => Err(e),
        },
        other => other,
    }
}

fn undo_hint() {
    eprintln!("(undo with `likeness people undo`)");
}

fn skipped_note(e: &EditSummary) {
    if e.skipped_faces > 0 {
        println!(
            "{} faces of that edit no longer exist and were skipped",
            e.skipped_faces
        );
    }
}

fn person_label(id: PersonId, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{n} (#{id})"),
        None => format!("unnamed #{id}"),
    }
}

fn person_with_photos(p: &PersonDto) -> String {
    format!(
        "{} ({} photos)",
        person_label(p.id, p.name.as_deref()),
        p.photos
    )
}

fn print_people(list: &[PersonDto]) {
    if list.is_empty() {
        println!("nobody yet: index some photos (`likeness index`), then `likeness cluster`");
        return;
    }
    for p in list {
        let mut line = format!(
            "{:<28} {:>5} faces in {:>5} photos",
            person_label(p.id, p.name.as_deref()),
            p.faces,
            p.photos
        );
        if p.suggested > 0 {
            line.push_str(&format!(", {} to confirm", p.suggested));
        }
        if p.hidden {
            line.push_str(" (hidden)");
        }
        println!("{line}");
    }
}

fn print_detail(d: &PersonDetailDto) {
    let p = &d.person;
    println!(
        "{}: {} faces in {} photos{}",
        person_label(p.id, p.name.as_deref()),
        p.faces,
        p.photos,
        if p.hidden { " (hidden)" } else { "" }
    );
    if let Some(c) = p.cover_face {
        println!("cover: face {c}");
    }
    for f in &d.faces {
        println!(
            "  face {:<7} {:<10} {}",
            f.id,
            f.provenance.map_or("-", ProvenanceDto::as_str),
            f.path.as_deref().unwrap_or("(no file)")
        );
    }
    if let Some(note) = more_faces_note(d.faces.len(), d.faces_total) {
        println!("{note}");
    }
    for s in &d.suggestions {
        print_suggestion(s);
    }
}

/// Said when `people show` lists fewer faces than the person has.
fn more_faces_note(shown: usize, total: u64) -> Option<String> {
    (u64::try_from(shown).unwrap_or(u64::MAX) < total).then(|| {
        format!("  (showing {shown} of {total} faces; --limit N to see more, --limit 0 for all)")
    })
}

fn print_suggestion(s: &SuggestionDto) {
    let confidence = s
        .confidence
        .map(|c| format!(" ({c:.2})"))
        .unwrap_or_default();
    println!(
        "Is this {}? face {}{confidence}  {}",
        s.name,
        s.face,
        s.path.as_deref().unwrap_or("(no file)")
    );
}

/// A live file path per photo, looked up once.
struct PhotoPaths<'c> {
    catalog: &'c Catalog,
    known: HashMap<PhotoId, Option<String>>,
}

impl<'c> PhotoPaths<'c> {
    fn new(catalog: &'c Catalog) -> Self {
        Self {
            catalog,
            known: HashMap::new(),
        }
    }

    fn get(&mut self, photo: PhotoId) -> Option<String> {
        let catalog = self.catalog;
        self.known
            .entry(photo)
            .or_insert_with(|| {
                catalog
                    .photo(photo)
                    .ok()
                    .flatten()
                    .and_then(|p| p.paths.first().map(|p| p.display().to_string()))
            })
            .clone()
    }
}
