"""The demo content that `manage.py load_demo` puts into an empty database.

Plain data, written for Own Pace: eight members (two of them partners), twenty-five
threads across the seven starter categories and about a hundred and fifty replies. People
share their own experience here; nobody tells anyone what to do with their body.

Times are given in days before the moment of loading, so the site always looks lived-in.
Bodies are Markdown; their common indentation is removed, so they can be written indented.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from forum.models import TrustLevel


@dataclass(frozen=True)
class DemoMember:
    pseudonym: str
    is_partner: bool = False
    # Demo members are established, so every demo post is published at once; the
    # longest-standing are trusted.
    trust_level: str = TrustLevel.MEMBER


@dataclass(frozen=True)
class DemoPost:
    author: str
    body: str
    # Text the author added later with an edit, so the post shows as edited.
    added_in_edit: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "body", inspect.cleandoc(self.body))
        object.__setattr__(self, "added_in_edit", inspect.cleandoc(self.added_in_edit))


@dataclass(frozen=True)
class DemoThread:
    category: str
    title: str
    opening: DemoPost
    started_days_ago: float
    # The replies arrive, in order, within this many days of the opening post.
    replies_within_days: float
    replies: tuple[DemoPost, ...] = field(default_factory=tuple)
    is_pinned: bool = False


WILLOW = "SlowWillow27"
FERN = "BrightFern19"
OTTER = "PatientOtter63"
LARK = "SteadyLark58"
MAPLE = "CosyMaple31"
BROOK = "GentleBrook84"
WREN = "HopefulWren15"
CLOVER = "SunnyClover70"

MEMBERS: tuple[DemoMember, ...] = (
    DemoMember(WILLOW, trust_level=TrustLevel.TRUSTED),
    DemoMember(FERN),
    DemoMember(OTTER, is_partner=True),
    DemoMember(LARK),
    DemoMember(MAPLE),
    DemoMember(BROOK, is_partner=True),
    DemoMember(WREN),
    DemoMember(CLOVER),
)


THREADS: tuple[DemoThread, ...] = (
    # --- Questions & support --------------------------------------------------------------
    DemoThread(
        category="questions-support",
        title="What helped me in my first month (long, sorry!)",
        started_days_ago=118,
        replies_within_days=112,
        is_pinned=True,
        opening=DemoPost(
            WILLOW,
            """
            I joined this forum two and a half years ago, read everything, posted nothing
            for weeks, and cried a lot. Looking back, the first month was the hardest part,
            so I'm writing down what made it a little easier *for me*. Everyone is
            different, so take what's useful and leave the rest.

            **Things that helped**

            - **Getting a name for it.** Hearing the word "vaginismus" from a doctor who
              didn't laugh or rush me was a relief. It meant I wasn't broken or imagining it.
            - **Reading other people's stories here.** Especially the slow ones. Especially
              the ones with setbacks in the middle.
            - **Separating "learning about it" from "doing something about it".** For the
              first few weeks I only read. That was allowed.
            - **Telling one person.** For me it was my partner, for a friend of mine it was
              her sister. Carrying it alone was heavier than the thing itself.
            - **A notebook.** Not for tracking progress, just for getting thoughts out of
              my head at 2am.

            **Things that didn't help (me)**

            - Googling at night.
            - Comparing my timeline to anyone else's.
            - Promising myself I'd be "fixed" by a certain date.

            If you're new and reading this without an account: hello. You're in good
            company. Nobody here will hurry you.
            """,
        ),
        replies=(
            DemoPost(
                FERN,
                """
                I've only known the word for this for a couple of weeks and I've read
                this post about five times. "Separating learning about it from doing something about
                it" is exactly what I needed to hear. Thank you.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                @BrightFern19 welcome, and a couple of weeks is *so* early. Reading is doing
                something. Be gentle with yourself this week.
                """,
            ),
            DemoPost(
                LARK,
                """
                Adding one from my own first month: I made a rule that I wasn't allowed to
                make any decisions about treatment on a bad day. Bad days were for tea and
                sleep. Decisions could wait for a calmer day.
                """,
            ),
            DemoPost(
                OTTER,
                """
                Partner here. The "telling one person" bit works the other way round too.
                When my wife first told me, I didn't know what to say, so I said very little,
                and she took that as me being upset. I wasn't, I was just scared of saying
                the wrong thing. If you're the partner reading this: *say something*, even if
                it's only "thank you for telling me, I'm with you".
                """,
            ),
            DemoPost(CLOVER, "The notebook! I thought I was the only one. Mine is bright yellow."),
            DemoPost(
                MAPLE,
                """
                Bookmarking this forever. Also seconding "don't google at night". Nothing
                good has ever come from a search I made after midnight.
                """,
            ),
            DemoPost(
                WREN,
                """
                I'd add: it's okay if your first month is mostly *feeling things* and not
                much else. Mine was anger, mostly. Angry that nobody had ever mentioned this
                was a thing that happens to people. It passed, and it turned into something
                more useful, but I needed to feel it first.
                """,
            ),
            DemoPost(
                BROOK,
                """
                Sending this to my girlfriend. She's just starting out and this is
                gentler than anything either of us found elsewhere.
                """,
            ),
            DemoPost(
                FERN,
                """
                Coming back to this two months on. I've now done most of the things on
                your list, notebook included, and I'm still here. Thank you for the map.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                Thank you all for adding to this. I'll keep it here for whoever arrives
                next. 💛
                """,
            ),
        ),
    ),
    DemoThread(
        category="questions-support",
        title="Anxiety before I've even started: does it get easier?",
        started_days_ago=112,
        replies_within_days=9,
        opening=DemoPost(
            FERN,
            """
            I have my dilator set. It's been sitting in a drawer for a week and I can't
            even open the box without my heart racing. I haven't tried anything yet and I
            already feel like I'm failing.

            Did anyone else get stuck *before* the first step? How did you get past it?
            """,
        ),
        replies=(
            DemoPost(
                MAPLE,
                """
                Oh, the Drawer. Mine sat in the drawer for almost a month. You're not
                failing, you're just at the very first step, which is a real step.

                What got me going was making "open the box" the whole goal for one
                evening. Not use anything, just open it, look, put the lid back. Then a few
                days later, hold one. It sounds silly written down but it worked for me.
                """,
            ),
            DemoPost(
                LARK,
                """
                Yes. I had physical panic symptoms just thinking about it. What helped me
                was doing the anxious part with something comforting nearby: a hot water
                bottle, a playlist I loved, a cup of tea. Over time my body started linking
                the routine with the nice stuff instead of only with the fear.
                """,
            ),
            DemoPost(
                WREN,
                """
                Something I'm only just realising: for me the fear seems to be its own
                thing, separate from the physical side. I'd been treating it as purely
                physical. My physio suggested talking to someone about the anxiety too,
                and I'm slowly working up to booking that. You're definitely not alone.
                """,
            ),
            DemoPost(FERN, "I opened the box. That's it. That's the post. 😅"),
            DemoPost(
                CLOVER,
                """
                THAT'S HUGE. Genuinely. I remember how big that felt. 🎉
                """,
            ),
            DemoPost(
                WILLOW,
                """
                > I haven't tried anything yet and I already feel like I'm failing.

                Coming back to this line because I think so many of us felt it. There's
                no test here and no timetable. You opened a box you were scared of. That's
                the opposite of failing.
                """,
            ),
        ),
    ),
    DemoThread(
        category="questions-support",
        title="Lubricant recommendations? The one I have stings",
        started_days_ago=96,
        replies_within_days=8,
        opening=DemoPost(
            CLOVER,
            """
            Bit of a practical one. The lubricant that came with my kit makes me sting
            a bit, which is the *last* thing I need when I'm already tense. What have
            you all found works for you? Not looking for medical advice, just what other
            people have had good experiences with.
            """,
            added_in_edit="""
            **Edit:** thank you everyone! I talked to the pharmacist like @HopefulWren15
            did, and I'm trying a plain fragrance-free one now. Much better so far.
            """,
        ),
        replies=(
            DemoPost(
                LARK,
                """
                I had the same thing. For me the trouble was anything with added fragrance
                or a "warming" effect. A plain water-based one with a short ingredient list
                was fine. My physio also mentioned that some people react to glycerine, so
                that might be worth asking about.
                """,
            ),
            DemoPost(
                WREN,
                """
                I asked my pharmacist, which I was dreading, and she was lovely about it.
                Completely matter-of-fact. She pointed out a couple without the things I'd
                reacted to before. Worth a try if you have someone like that nearby.
                """,
            ),
            DemoPost(
                MAPLE,
                """
                I use a silicone-based one for some things and water-based for the
                dilators, because (as I found out the slightly expensive way) silicone lube
                and silicone dilators don't always get along. I read the kit's leaflet
                properly now.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                Stinging was a sign for me that something didn't agree with me, and my
                doctor was glad I mentioned it. If it keeps happening with a few different
                ones, it might be worth bringing up at your next appointment.
                """,
            ),
            DemoPost(
                OTTER,
                """
                Partner's two pence: my wife keeps a note on her phone with the names of
                the products that agreed with her, so neither of us has to remember in the
                middle of a shop.
                """,
            ),
            DemoPost(CLOVER, "This is all so helpful, thank you. Off to the pharmacy tomorrow."),
        ),
    ),
    DemoThread(
        category="questions-support",
        title="Does anyone else cry after sessions, even good ones?",
        started_days_ago=66,
        replies_within_days=7,
        opening=DemoPost(
            LARK,
            """
            Tonight's session went *well*. I moved up a size, no pain, stayed relaxed.
            And then I sat on the bathroom floor and cried for twenty minutes.

            I'm not even sad? I don't know what it is. Is this a thing for anyone else?
            """,
        ),
        replies=(
            DemoPost(
                WILLOW,
                """
                Very much a thing for me. Someone once described it to me as the body
                finally letting go of something it had been holding for a long time. I
                don't know if that's the science, but it matched how it felt.
                """,
            ),
            DemoPost(
                MAPLE,
                """
                Me too, especially in the first few months. Relief tears, I called them.
                I started planning for them: session, then a blanket and a film. It made
                it feel less like something going wrong.
                """,
            ),
            DemoPost(
                BROOK,
                """
                From the partner side: my girlfriend does this too, and at first I panicked
                and thought I'd done something wrong. Now I just sit with her and we don't
                need to talk about it. She says it's a good kind of crying, mostly.
                """,
            ),
            DemoPost(
                WREN,
                """
                My therapist said something I held onto: you don't have to understand a
                feeling to let it pass through. I used to interrogate every tear. Now I let
                them be.
                """,
            ),
            DemoPost(
                FERN,
                """
                I haven't had a "good" session yet, but it's comforting to know that if the
                tears come when I do, I won't be the only one.
                """,
            ),
            DemoPost(
                LARK,
                """
                Thank you all. Reading this made me cry again, but the good kind. 😊
                """,
            ),
        ),
    ),
    DemoThread(
        category="questions-support",
        title="How did you tell a new partner?",
        started_days_ago=25,
        replies_within_days=10,
        opening=DemoPost(
            CLOVER,
            """
            I've been seeing someone for about two months and it's going really well.
            I haven't told him about the vaginismus yet and it's starting to feel like a
            big secret sitting between us. How did you bring it up? When? What did you say?

            I'm not looking for a script, just to hear how it went for others.
            """,
        ),
        replies=(
            DemoPost(
                MAPLE,
                """
                I told my now-husband on our fourth date, over chips, because I panicked
                and blurted it out. Not recommended as a technique, but it worked! He said
                "okay, thank you for telling me, is there anything you want me to know?"
                and I think that's when I knew he was a keeper.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                I wrote it down first. Not a letter to give him, just for me, so I knew
                what I wanted to say and what I didn't want to share yet. Then I told him
                on a walk, which was easier than face to face across a table.
                """,
            ),
            DemoPost(
                OTTER,
                """
                As someone who was on the receiving end of this conversation: the thing I
                remember most is how nervous she was, not the details. I wish I'd said more
                clearly, straight away, that it didn't change how I felt. If he's a good
                one, he'll mostly care that you're okay.
                """,
            ),
            DemoPost(
                WREN,
                """
                One thing that helped me: I told a new partner that there was something
                about my health I wanted to talk about *at some point*, before the actual
                conversation. It gave me a few days to get used to the idea and took the
                "ambush" feeling out of it.
                """,
            ),
            DemoPost(
                CLOVER,
                """
                Update: I told him. On a walk, thanks @SlowWillow27. He listened, asked
                one or two questions, and then said he was glad I trusted him. I feel about
                ten kilos lighter.
                """,
            ),
        ),
    ),
    # --- Partner involvement ---------------------------------------------------------------
    DemoThread(
        category="partner-involvement",
        title="Partner here: what I've learned about staying out of the driver's seat",
        started_days_ago=104,
        replies_within_days=20,
        opening=DemoPost(
            OTTER,
            """
            My wife has been working with dilators for about eight months, and for the
            last three she's asked me to be there for some of the sessions. I wanted to
            share what we've worked out, because when we started I had no idea what my
            role was supposed to be.

            **What we do:**

            1. **She decides** whether there's a session tonight. I never ask "are we
               doing one tonight?" She tells me if she'd like me there.
            2. **She's in charge of everything physical.** I'm there to hold her hand,
               breathe with her, and be a calm face. That's the whole job.
            3. **One word stops everything.** Ours is "pineapple". No questions, no
               sighing, no "are you sure?" We stop and I put the kettle on.
            4. **I don't ask how far she got.** If she wants to tell me, she tells me.
            5. **We do something nice afterwards** that has nothing to do with any of it.

            The hardest part for me was realising that my wanting her to make progress
            could itself be a kind of pressure, even if I never said a word. So I try to
            genuinely let go of the outcome. Some nights are small steps, some nights are
            "pineapple" after two minutes, and both are fine.
            """,
        ),
        replies=(
            DemoPost(
                BROOK,
                """
                > my wanting her to make progress could itself be a kind of pressure

                This is such an important point and it took me far too long to realise
                it. Thank you for putting it so clearly.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                Reading this as someone who's further along: this is exactly what made
                partner sessions work for us too. The kettle afterwards is very relatable.
                We had a "stop word" as well and honestly, knowing it was there meant I
                hardly ever needed it.
                """,
            ),
            DemoPost(
                FERN,
                """
                I'm going to show this to my husband. I've been scared to ask him to be
                involved because I'm worried it'll turn into him "checking up" on me. This
                makes it sound like it could be something else entirely.
                """,
            ),
            DemoPost(
                OTTER,
                """
                @BrightFern19 it really can be. And for what it's worth, it's completely
                okay if you decide you'd rather do it alone. My wife did it solo for the
                first five months and only asked me in when she felt ready.
                """,
            ),
            DemoPost(LARK, '"Pineapple" made me laugh out loud. Ours is "penguin".'),
            DemoPost(
                MAPLE,
                """
                We went with "sandwich". Nobody can say "sandwich" in a tense voice. It
                usually ends in both of us laughing, which kind of helps anyway.
                """,
            ),
        ),
    ),
    DemoThread(
        category="partner-involvement",
        title="For partners: it's okay to have your own feelings about this",
        started_days_ago=92,
        replies_within_days=25,
        opening=DemoPost(
            BROOK,
            """
            My girlfriend and I have been together for three years. She was diagnosed
            last spring. I love her and I'm all in, and I also sometimes feel sad, or
            frustrated, or lonely, and then I feel *guilty* for feeling that, because
            she's the one going through it.

            I wanted to start a thread for partners where we can be honest about our own
            side without it ever being about blame. Your feelings are real. So are hers.
            Both can be true.
            """,
        ),
        replies=(
            DemoPost(
                OTTER,
                """
                Thank you for this. The guilt spiral is real. What helped me was talking
                to a counsellor on my own for a few sessions, so I had somewhere to put the
                frustration that *wasn't* my wife. Then I could show up for her properly.
                """,
            ),
            DemoPost(
                WREN,
                """
                Not a partner, but I want to say: as the person with vaginismus, I'd
                *much* rather my partner told me he was struggling than pretended he was
                fine. The pretending was something I could always sense, and it made me
                feel worse.
                """,
            ),
            DemoPost(
                BROOK,
                """
                @HopefulWren15 that's really good to hear from the other side. I think
                I've been hiding things to protect her and she can probably tell anyway.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                My partner said he once felt "rejected" even though he knew logically it
                wasn't about him. When he finally told me, it actually brought us closer,
                because I'd been worried he felt exactly that and we'd both been tiptoeing
                around it.
                """,
            ),
            DemoPost(
                BROOK,
                """
                Small update: I talked to her. Told her I sometimes feel a bit lost in all
                this and that I'm not going anywhere. We both cried, then ordered pizza.
                It was a good night.
                """,
            ),
        ),
    ),
    DemoThread(
        category="partner-involvement",
        title="I want to involve my husband but I'm scared it'll become pressure",
        started_days_ago=75,
        replies_within_days=9,
        opening=DemoPost(
            FERN,
            """
            I've been doing dilator sessions on my own for about a month now (slowly!)
            and my husband has asked, very gently, whether he could help. Part of me
            would love that. Part of me is terrified that once he's involved, every
            session becomes a performance and I'll feel watched.

            He's a kind person and he's never pushed. I think the pressure is coming from
            *me*. How did you decide?
            """,
        ),
        replies=(
            DemoPost(
                OTTER,
                """
                Hi again! From the husband side: would it help to try it once with the
                explicit agreement that it's a trial, and nothing has to happen beyond
                him just being in the room? My wife's first "partner session" was me
                sitting on the edge of the bed reading a book. That was it.
                """,
            ),
            DemoPost(
                MAPLE,
                """
                I felt exactly like this. What helped was telling him my fear, word for
                word: "I'm worried I'll feel watched and like I have to perform." Saying
                it out loud took most of its power away. He said he'd rather never be in
                the room than make me feel that, which somehow made me want him there.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                It's also totally fine to go back and forth. We did partner sessions for
                a while, then I wanted to do them alone again for a few weeks, then
                together again. Nothing is a permanent decision.
                """,
            ),
            DemoPost(
                FERN,
                """
                We tried the "just in the room" version last night. He read his book, I
                did my session, and at the end he made hot chocolate. It was… nice? Like
                having company instead of an audience. Thank you all.
                """,
            ),
            DemoPost(
                BROOK,
                """
                "Company instead of an audience." I'm going to remember that one.
                """,
            ),
        ),
    ),
    DemoThread(
        category="partner-involvement",
        title='Our "no expectations" evenings',
        started_days_ago=36,
        replies_within_days=12,
        opening=DemoPost(
            WILLOW,
            """
            Something that made a big difference to us: once a week we have an evening
            that is explicitly **not** about progress. No sessions, no "trying", no
            talking about the journey unless one of us wants to. Just being close in
            whatever way feels good that night, with nothing that has to happen.

            For a long time every bit of closeness felt like it might be a test. Taking
            the test away let us actually enjoy each other again. Anyone else do
            something similar?
            """,
        ),
        replies=(
            DemoPost(
                BROOK,
                """
                We're going to try this. I think we've both been treating every cuddle as
                "maybe this is a step", and it's exhausting for both of us.
                """,
            ),
            DemoPost(
                OTTER,
                """
                We call ours "Sunday sofa". It started as a joke and now it's sacred. I
                agree that taking away the "what's next" has made everything else easier.
                """,
            ),
            DemoPost(
                LARK,
                """
                I love this. For me it also helped to have one night where I wasn't "the
                patient". Just a person with a girlfriend, eating dumplings in front of a
                bad film.
                """,
            ),
            DemoPost(
                MAPLE,
                """
                Ours is "phones in a drawer Fridays". Sometimes it's a board game, sometimes
                it's a bath, sometimes we fall asleep at nine. All of it counts.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                @SteadyLark58 "not the patient" is exactly it. You're a whole person, not a
                project.
                """,
            ),
        ),
    ),
    # --- Progress stories ------------------------------------------------------------------
    DemoThread(
        category="progress-stories",
        title='A year in: from "I can\'t even look at a tampon" to here',
        started_days_ago=52,
        replies_within_days=14,
        opening=DemoPost(
            WREN,
            """
            A year ago today I sat in my GP's office, couldn't get the words out, and
            ended up writing "I think I have vaginismus" on my phone and showing her the
            screen. So I wanted to write an honest year-in post.

            **Where I started:** couldn't use tampons, couldn't have an internal exam,
            felt panicky at the idea of anything at all.

            **What I've done:** pelvic-floor physio every few weeks, a therapist for the
            anxiety side, dilators on my own (four to five times a week when life allows,
            much less when it doesn't).

            **Where I am:** comfortable with the third size in my set, working on the
            fourth. I had my first calmish internal exam in the autumn.

            **What I didn't expect:** that the hardest months would be in the *middle*.
            Months five to seven were a plateau and I nearly gave up. Then something
            shifted and I don't even really know what.

            I'm not done. But I'm not where I was, and I wanted to mark that.
            """,
        ),
        replies=(
            DemoPost(
                FERN,
                """
                Writing it on your phone and showing the screen is such a clever idea. I
                see a new doctor next week and I'm stealing it.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                The middle months! Yes. Nobody warns you that the middle is the hard bit.
                Happy one year, @HopefulWren15. 💛
                """,
            ),
            DemoPost(
                LARK,
                """
                Thank you for including the "when life allows, much less when it doesn't".
                I see so many routines online that look like a military schedule and it
                makes me feel behind.
                """,
            ),
            DemoPost(
                CLOVER,
                """
                "I'm not done. But I'm not where I was." Writing that on a sticky note for
                my mirror.
                """,
            ),
            DemoPost(
                OTTER,
                """
                My wife says the plateau months were the hardest for her too. Thank you
                for being honest about them. It helps the people still in the middle.
                """,
            ),
            DemoPost(
                WREN,
                """
                Thank you, all of you. And @BrightFern19, good luck next week. You can
                always message here afterwards, whatever happens.
                """,
            ),
        ),
    ),
    DemoThread(
        category="progress-stories",
        title="Six months of dilator diary (with my spreadsheet, because of course)",
        started_days_ago=45,
        replies_within_days=16,
        opening=DemoPost(
            LARK,
            """
            I'm a numbers person, so from day one I've kept a little spreadsheet. Not to
            pressure myself, but because seeing it written down helps me on bad days.
            Here's my honest six months:

            - **Month 1:** smallest size, mostly just getting comfortable with the idea.
              About half my planned sessions didn't happen.
            - **Month 2:** size 1 feeling okay. Started pairing sessions with breathing.
            - **Month 3:** moved to size 2. Then a very stressful few weeks at work and
              I went *backwards* — size 1 felt hard again.
            - **Month 4:** back to size 2, slowly. Started seeing a physio.
            - **Month 5:** size 3! Cried (see my other thread 😅).
            - **Month 6:** size 3 comfortable most days. Size 4 has been tried twice.

            The bit I want people to see is month 3. I almost didn't include it. But it
            *was* part of the progress. It's where I learned that stress shows up in my
            body and that going back a size isn't losing.
            """,
        ),
        replies=(
            DemoPost(
                MAPLE,
                """
                The month-3 honesty is everything. So many progress posts read like a
                straight line and mine was a rollercoaster. Thank you.
                """,
            ),
            DemoPost(
                FERN,
                """
                As someone in month two: this is so reassuring. I had a bad week and
                convinced myself I'd "lost" everything. Clearly not how it works.
                """,
            ),
            DemoPost(
                WREN,
                """
                "Going back a size isn't losing." I needed this today, thank you.
                """,
            ),
            DemoPost(
                BROOK,
                """
                Showing my girlfriend this. She's a spreadsheet person too and I think
                she'll love the idea of a version that's kind to her instead of strict.
                """,
            ),
            DemoPost(
                LARK,
                """
                @GentleBrook84 tell her my only column rule: there's a "how I felt"
                column and it matters more than the size column. 😊
                """,
            ),
            DemoPost(
                WILLOW,
                """
                Lovely post. I never kept a log and I kind of wish I had, just to be able
                to look back and see the shape of it now.
                """,
            ),
        ),
    ),
    DemoThread(
        category="progress-stories",
        title="I took a two-month break and I'm back (a setback post)",
        started_days_ago=60,
        replies_within_days=14,
        opening=DemoPost(
            MAPLE,
            """
            Confession time. For the last two months, while I've been cheerfully posting
            tips and cat stories here, I haven't done a single session myself. I stopped.
            Completely. And I didn't want to talk about it.

            There wasn't one big reason. Work was hard, my mum was ill, and every time I
            thought about dilating I just felt tired. So I stopped, and then I felt
            ashamed for stopping, which made it harder to start again.

            Last week I did a session. Smaller size than where I'd left off. It was fine.
            Not great, not terrible, *fine*. And I'm writing this post because I would have
            loved to read one like it two months ago:

            **Taking a break is not quitting.** Coming back smaller is not failing. You
            don't owe anyone a continuous streak.
            """,
        ),
        replies=(
            DemoPost(
                WILLOW,
                """
                Welcome back. I took a four-month break in my first year. Your body
                doesn't forget everything, even when it feels like it has. So glad
                you're here, and I hope your mum is doing better.
                """,
            ),
            DemoPost(
                LARK,
                """
                This is as much a progress story as any "I moved up a size" post. Thank
                you for writing it.
                """,
            ),
            DemoPost(
                FERN,
                """
                I needed this. I've been avoiding sessions for a week and was already
                spiralling about it. Maybe I just needed a week.
                """,
            ),
            DemoPost(
                OTTER,
                """
                My wife had a long break last year, and looking back, it was the break
                that let her come back without dread. Rest is part of it.
                """,
            ),
            DemoPost(
                MAPLE,
                """
                Thank you all so much. Mum is recovering, slowly. And I did another
                session last night. Still fine! Fine is my new favourite word.
                """,
            ),
            DemoPost(CLOVER, "Fine is a great word. Proud of you. 💛"),
            DemoPost(
                WREN,
                """
                Saving this for the next time I stop. Because I probably will at some
                point, and now I know that's just part of it.
                """,
            ),
        ),
    ),
    DemoThread(
        category="progress-stories",
        title="Three months in: an honest check-in",
        started_days_ago=20,
        replies_within_days=9,
        opening=DemoPost(
            FERN,
            """
            Some of you have been with me since the "I can't open the box" post, so I
            wanted to do a check-in.

            - I found a physio (thank you, everyone in that thread). She's calm and she
              explains everything before she does it.
            - I'm on the second size in my set. Some days it's easy, some days it isn't.
            - My husband comes to some sessions. He reads his book. It's become our thing.
            - I still get anxious. But it's a *smaller* anxiety now, like a dog barking in
              another room rather than in my ear.

            Not a big triumphant post. Just: I'm still here, still going, slowly.
            """,
        ),
        replies=(
            DemoPost(
                MAPLE,
                """
                "A dog barking in another room" is such a perfect description. So happy
                for you. Slowly is the right speed.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                Reading this after your first posts made me a bit teary. You've come
                such a long way in three months, even if it doesn't feel big from the
                inside.
                """,
            ),
            DemoPost(
                OTTER,
                """
                Husband-with-a-book solidarity from over here. 📚 Tell him we've got a
                club now.
                """,
            ),
            DemoPost(
                LARK,
                """
                Not a big triumphant post, but a big post all the same. Thanks for
                letting us see the middle part.
                """,
            ),
            DemoPost(FERN, "You lot are the best. Thank you. ❤️"),
        ),
    ),
    # --- Dilators & exercises ---------------------------------------------------------------
    DemoThread(
        category="dilators-exercises",
        title="Share your routine: what does a session actually look like for you?",
        started_days_ago=108,
        replies_within_days=40,
        opening=DemoPost(
            LARK,
            """
            I think a lot of us start out with no idea what a "session" even looks like
            day to day, so I thought it'd be useful to share real routines. Not as rules,
            just as examples. Here's mine at the moment:

            1. Shower or bath first, because warm me is less tense me.
            2. Ten minutes of breathing and a body scan (I use a free app).
            3. Dilator at my current size, plenty of lube, about 10–15 minutes.
            4. If that feels okay, a few minutes trying the next size. If not, I stop.
            5. Something nice afterwards: tea, a chapter of a book, a silly video.

            Three or four evenings a week when work allows. What does yours look like?
            """,
        ),
        replies=(
            DemoPost(
                MAPLE,
                """
                Mine is much less tidy:

                - put on a podcast I love
                - lie down with a pillow under my knees
                - spend *far* too long getting comfortable
                - dilator for however long feels okay, sometimes five minutes, sometimes
                  twenty
                - cat inevitably walks in and ruins the vibe

                It works, mostly. The podcast is important; it gives my brain something
                to do other than worry.
                """,
                added_in_edit="""
                Edit: forgot the most important step, which is closing the door so the
                cat *can't* walk in. Learned that one the hard way.
                """,
            ),
            DemoPost(
                WREN,
                """
                My physio gave me a routine, so mine is fairly structured. It's the
                breathing plus pelvic-floor *relaxation* exercises beforehand. I'd always
                assumed pelvic-floor exercises meant squeezing, but for me the whole point
                was learning to let go.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                When I was in the thick of it, mine was mornings, not evenings. By
                evening I was tired and everything felt harder. Worth experimenting with
                timing if evenings aren't working for you.
                """,
            ),
            DemoPost(
                CLOVER,
                """
                I do a few minutes of gentle stretches beforehand, like hip openers from
                yoga. No idea if it does anything physically, but it calms me down.
                """,
            ),
            DemoPost(
                FERN,
                """
                This thread is making me realise I've been trying to do this in five rushed
                minutes before bed while thinking about work. No wonder it's been hard.
                Going to try giving it proper time.
                """,
            ),
            DemoPost(
                LARK,
                """
                @BrightFern19 that was me in month one! Proper time made a huge difference
                for me. Even just not having a clock visible helped.
                """,
            ),
            DemoPost(
                BROOK,
                """
                Partner note: my girlfriend's routine includes me making a very specific
                herbal tea at the very end. I have become an expert in this tea. It's the
                most useful I've ever felt.
                """,
            ),
        ),
    ),
    DemoThread(
        category="dilators-exercises",
        title="Stuck on the same size for weeks. Anyone else?",
        started_days_ago=70,
        replies_within_days=12,
        opening=DemoPost(
            WREN,
            """
            I've been on the same size for nearly six weeks. It's comfortable now, which
            is good, but every time I try the next one my body just says **no**.

            I know plateaus are normal. I *know*. But I'm frustrated and I'd love to
            hear if anyone else has sat on one size for ages and what it was like on the
            other side.
            """,
        ),
        replies=(
            DemoPost(
                WILLOW,
                """
                I spent almost three months on one size. Three! And then one day the next
                one was just… okay. I don't have a magic answer. What I did in the
                meantime was stop *trying* the next size every session and just do
                comfortable sessions at my current one for a few weeks.
                """,
            ),
            DemoPost(
                LARK,
                """
                The jump between some sizes in my set felt much bigger than others. When I
                mentioned it to my physio she said that's common. It made me feel less
                like it was my fault.
                """,
            ),
            DemoPost(
                MAPLE,
                """
                Being frustrated is allowed. You can be frustrated *and* patient at the
                same time, weirdly. Sending solidarity.
                """,
            ),
            DemoPost(
                WREN,
                """
                Update for anyone who finds this later: I stopped trying the next size
                for two weeks like @SlowWillow27 said, just did relaxed sessions at my
                current one. Tried again yesterday. It wasn't easy, but it was possible.
                Small, slow, real.
                """,
            ),
            DemoPost(CLOVER, '"Small, slow, real." Love that. Well done you.'),
        ),
    ),
    DemoThread(
        category="dilators-exercises",
        title="Breathing and relaxation before sessions: what works for you?",
        started_days_ago=55,
        replies_within_days=10,
        opening=DemoPost(
            CLOVER,
            """
            My physio keeps saying "breathe into your belly" and I keep nodding like I
            know what that means. 😅 What breathing or relaxation things have worked for
            you before or during a session?
            """,
        ),
        replies=(
            DemoPost(
                WREN,
                """
                What finally made it click for me was lying down with a book on my belly
                and watching it rise and fall. Sounds silly, but I could actually *see*
                whether I was breathing into my chest or my belly.
                """,
            ),
            DemoPost(
                LARK,
                """
                I count: in for four, out for six. The longer out-breath is what relaxes
                me. I use it during the session too, especially when I notice I've
                started holding my breath without meaning to.
                """,
            ),
            DemoPost(
                MAPLE,
                """
                Body scans! Starting at my toes and slowly noticing each part. By the time
                I get to my hips I'm usually much less tense than I was.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                My physio once described it as letting your tummy go soft, like after a
                big dinner. That picture worked better for me than any technique.
                """,
            ),
            DemoPost(CLOVER, "Book on the belly tonight. Thank you all! 📖"),
        ),
    ),
    DemoThread(
        category="dilators-exercises",
        title="Little practical things nobody told me",
        started_days_ago=85,
        replies_within_days=12,
        opening=DemoPost(
            MAPLE,
            """
            A list of tiny practical things I learned by trial and error. Add yours!

            - Putting the dilator in warm (not hot) water first made it much less of a
              shock for me.
            - An old towel underneath saves a lot of stress about mess.
            - A small basket with everything in it means no getting up halfway through.
            - Washing everything straight after so it's ready next time and I'm not
              facing a chore before I've even started.
            - Locking the cat out. (I will keep saying this.)
            """,
        ),
        replies=(
            DemoPost(
                LARK,
                """
                The basket is genius. I used to get up halfway through to find the lube
                and lose all the calm I'd built up.
                """,
            ),
            DemoPost(
                CLOVER,
                """
                Mine: a playlist that's exactly as long as I want the session to be, so I
                don't need to look at the clock.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                A little pouch to store them in, so they're not sitting out where guests
                could see. It sounds trivial, but the fear of someone spotting them
                genuinely stressed me out.
                """,
            ),
            DemoPost(
                BROOK,
                """
                From the partner side: I put the "basket" together for my girlfriend as a
                surprise, with her favourite hand cream and some chocolate in it. She
                said it made it feel less clinical.
                """,
            ),
            DemoPost(
                MAPLE,
                """
                @GentleBrook84 that is the sweetest thing I've read all week. 🥹
                """,
            ),
        ),
    ),
    # --- Treatment & practitioners -------------------------------------------------------
    DemoThread(
        category="treatment-practitioners",
        title="How did you find a pelvic-floor physio who actually listens?",
        started_days_ago=100,
        replies_within_days=14,
        opening=DemoPost(
            FERN,
            """
            My GP referred me to someone but the waiting list is months long. I'm
            thinking about finding someone privately, but I don't know how to tell
            whether they'll understand vaginismus or just treat me like any other
            appointment.

            How did you find yours? What questions did you ask before booking?
            """,
        ),
        replies=(
            DemoPost(
                WREN,
                """
                I phoned a few clinics and asked directly: "do you see patients with
                vaginismus, and how do you approach a first appointment?" The one I chose
                said straight away that nothing would happen in the first session that I
                didn't agree to, and that the first one could be just talking. That was
                what sold me.
                """,
            ),
            DemoPost(
                LARK,
                """
                I looked specifically for someone who listed "women's health" or "pelvic
                health" as a specialism. Then I emailed rather than phoned, because I
                could write it out calmly without getting flustered.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                Questions I asked, in case they help:

                - Have you worked with vaginismus before?
                - Can the first appointment be just a conversation?
                - Can I stop at any point?
                - Will you explain what you're doing before you do it?

                Any hesitation on those and I kept looking. The one I ended up with said
                yes to all four without blinking.
                """,
            ),
            DemoPost(
                MAPLE,
                """
                I asked in a local group (without saying why, just "anyone recommend a
                pelvic-health physio?") and got three names. One turned out to be
                wonderful.
                """,
            ),
            DemoPost(
                FERN,
                """
                Thank you! I've emailed two of them using @SlowWillow27's questions. One
                has already replied and said yes to all four. Booked for three weeks'
                time. Terrified but also a bit proud of myself.
                """,
            ),
            DemoPost(CLOVER, "Both of those feelings are allowed at once. Good luck! 🍀"),
        ),
    ),
    DemoThread(
        category="treatment-practitioners",
        title="My first appointment with a sex therapist: what it was actually like",
        started_days_ago=88,
        replies_within_days=10,
        opening=DemoPost(
            WREN,
            """
            I put this off for months because I had no idea what to expect and in my
            head it was going to be mortifying. It wasn't, so I want to describe it for
            anyone else who's nervous.

            It was a normal office with two comfy chairs. She asked about my history,
            what I wanted to get out of it, and how I felt about my body generally. No
            one asked me to do or show anything. A lot of it was about the *anxiety*:
            where it came from, what thoughts run through my head.

            At the end she gave me some reading and asked me to notice when the anxious
            thoughts show up during the week. That was it.

            I cried in the car afterwards, but from relief. Going back in two weeks.
            """,
        ),
        replies=(
            DemoPost(
                FERN,
                """
                Thank you for writing this. "Mortifying" is exactly what I imagined too.
                This makes it feel possible.
                """,
            ),
            DemoPost(
                OTTER,
                """
                My wife and I went to a couple of sessions together later on, and it
                was similar: mostly talking, and it helped us understand each other's
                side much better. Glad yours was a good experience.
                """,
            ),
            DemoPost(
                LARK,
                """
                "Notice when the anxious thoughts show up" was a big one for me too. Once
                I could see them coming I could at least name them.
                """,
            ),
            DemoPost(
                CLOVER,
                """
                Did she give you any "homework" beyond the noticing? I'm curious what the
                next sessions look like.
                """,
            ),
            DemoPost(
                WREN,
                """
                @SunnyClover70 so far it's been mostly reading and *noticing*: no
                exercises, nothing scary. She said we'd decide together what comes next.
                """,
            ),
        ),
    ),
    DemoThread(
        category="treatment-practitioners",
        title="Getting ready for a gynaecology appointment: what I asked for",
        started_days_ago=48,
        replies_within_days=11,
        opening=DemoPost(
            WILLOW,
            """
            I had an appointment last week and it went much better than any I'd had
            before, partly because I went in prepared. Sharing what I asked for, in
            case it's useful:

            - I told them at booking that I have vaginismus, so it was in my notes.
            - I asked for the smallest speculum they had, and for them to tell me
              before each step.
            - I asked whether I could have someone with me (I could).
            - I agreed with the doctor beforehand that if I said "stop", we'd stop, and
              that we could try again another day.

            None of that was dramatic. Every request was met with "of course". I'd spent
            years not asking because I assumed I'd be seen as difficult. I wasn't.
            """,
        ),
        replies=(
            DemoPost(
                WREN,
                """
                Telling them at booking is such a good tip. Having to explain it again
                while lying on the bed was always the worst part for me.
                """,
            ),
            DemoPost(
                CLOVER,
                """
                I didn't know you could ask for a smaller speculum. I genuinely thought
                they only had one. Thank you.
                """,
            ),
            DemoPost(
                BROOK,
                """
                I went with my girlfriend to her last one and the doctor addressed *her*
                the whole time and just let me hold her hand. Being allowed in the room
                made a big difference for her.
                """,
            ),
            DemoPost(
                LARK,
                """
                "I assumed I'd be seen as difficult." Same. Saving this list for my
                smear test next month.
                """,
            ),
            DemoPost(
                FERN,
                """
                Copied this whole list into my notes app. I didn't know asking was even
                an option.
                """,
            ),
        ),
    ),
    # --- Wins & celebrations ---------------------------------------------------------------
    DemoThread(
        category="wins-celebrations",
        title="FIRST TAMPON!!!",
        started_days_ago=40,
        replies_within_days=6,
        opening=DemoPost(
            CLOVER,
            """
            I'm 29 and today I used a tampon for the first time in my life.

            I know that sounds like a small thing to a lot of people. To me it's
            something I gave up on at fourteen after one awful try, and I've spent
            fifteen years feeling like my body was *wrong*.

            It wasn't wrong. It just needed time and patience and a lot of breathing. I
            went for a walk afterwards and felt like a completely normal person doing a
            completely normal thing, and I nearly cried in the supermarket. 🎉
            """,
        ),
        replies=(
            DemoPost(MAPLE, "CONFETTI 🎉🎉🎉 This is not a small thing at all!"),
            DemoPost(
                WILLOW,
                """
                Nearly crying in the supermarket is the correct response. So, so happy
                for you. Fifteen years of carrying that, and today you put it down.
                """,
            ),
            DemoPost(
                FERN,
                """
                This gives me so much hope. I gave up at about the same age. Maybe one day
                I'll be writing this post too.
                """,
            ),
            DemoPost(
                CLOVER,
                """
                @BrightFern19 I really think you will. I didn't believe it either, even
                a few weeks ago.
                """,
            ),
            DemoPost(
                OTTER,
                """
                Showed this to my wife and she cheered out loud. Congratulations from
                both of us!
                """,
            ),
            DemoPost(WREN, "Welcome to the world of normal-person errands. 💛"),
            DemoPost(LARK, "Amazing news. Celebrate properly — cake is mandatory."),
        ),
    ),
    DemoThread(
        category="wins-celebrations",
        title="A calm smear test. Me. Calm.",
        started_days_ago=30,
        replies_within_days=8,
        opening=DemoPost(
            LARK,
            """
            Last time I tried to have a smear test I had a panic attack and left. This
            time I took the list from @SlowWillow27's thread, told them at booking,
            asked for the smallest speculum, breathed in for four and out for six, and...
            it was done. It was uncomfortable for a moment and then it was over.

            I walked out and sat on a bench for ten minutes just grinning at nothing.
            """,
        ),
        replies=(
            DemoPost(
                WILLOW,
                """
                I am so happy that list helped. But *you* did this. Grinning on a bench
                is the best possible ending.
                """,
            ),
            DemoPost(CLOVER, "Bench grinning! The sister of supermarket crying. 🥳"),
            DemoPost(
                WREN,
                """
                From "panic attack and left" to "done" is enormous. Congratulations.
                """,
            ),
            DemoPost(
                BROOK,
                """
                Reading this out to my girlfriend, whose own appointment is next week. She
                said "okay, maybe I can do this". Thank you for posting.
                """,
            ),
            DemoPost(
                LARK,
                """
                @GentleBrook84 tell her she absolutely can, and that it's okay if she
                needs more than one try. I did!
                """,
            ),
        ),
    ),
    DemoThread(
        category="wins-celebrations",
        title="Last night, for the first time, it didn't hurt",
        started_days_ago=12,
        replies_within_days=11.5,
        opening=DemoPost(
            WREN,
            """
            I've been sitting on this for a day because I wanted to find the right words
            and I don't think there are any.

            Last night, with my partner, for the first time, it didn't hurt. We went very
            slowly, I was in charge of every moment, we stopped and laughed twice, and it
            was *gentle* and it was ours.

            A year ago I didn't believe this was possible for me. I'm not saying
            everything is solved. I'm just saying it happened, and I wanted to tell the
            people who helped me get here. That's you.
            """,
        ),
        replies=(
            DemoPost(
                WILLOW,
                """
                Oh, I'm crying. "It was gentle and it was ours" — that's everything.
                Congratulations, and thank you for sharing something so precious.
                """,
            ),
            DemoPost(
                MAPLE,
                """
                This is the post I'm going to think about on my next bad day. So happy
                for you both. 💛
                """,
            ),
            DemoPost(
                OTTER,
                """
                Stopping and laughing sounds like exactly how it should be. Huge
                congratulations to you and your partner.
                """,
            ),
            DemoPost(
                FERN,
                """
                I've followed your posts since I joined. This one means a lot. Thank you
                for showing that it can happen.
                """,
            ),
            DemoPost(CLOVER, "I have no words, just hearts. ❤️❤️❤️"),
            DemoPost(
                BROOK,
                """
                Reading this with my girlfriend over breakfast. We're both a bit teary.
                Congratulations.
                """,
            ),
            DemoPost(
                WREN,
                """
                Thank you, all of you. I mean it when I say this place was a big part of
                it. Here's to everyone's next step, whatever size it is.
                """,
            ),
        ),
    ),
    # --- Off-topic -------------------------------------------------------------------------
    DemoThread(
        category="off-topic",
        title="What are you reading / watching / listening to this month?",
        started_days_ago=116,
        replies_within_days=114,
        opening=DemoPost(
            MAPLE,
            """
            A break from the heavy stuff. What's keeping you company at the moment?

            I'm re-reading a cosy fantasy series for the third time, because comfort
            reading is a valid life choice, and listening to a podcast about the history
            of everyday objects. Did you know the paperclip has *drama*?
            """,
        ),
        replies=(
            DemoPost(
                LARK,
                """
                Watching a baking competition show, for the sixth time, on purpose. It
                is the least stressful thing on television.
                """,
            ),
            DemoPost(
                OTTER,
                """
                Reading a big history of the Silk Road. Very slowly. I've been on chapter
                four since last spring.
                """,
            ),
            DemoPost(
                CLOVER,
                """
                A true-crime podcast, which everyone tells me is a strange way to relax,
                but it works for me. 🤷‍♀️
                """,
            ),
            DemoPost(
                MAPLE,
                """
                @PatientOtter63 the paperclip podcast would be perfect for you. Short
                episodes, big historical *feelings*.
                """,
            ),
            DemoPost(
                BROOK,
                """
                We've just started a long crime drama with subtitles, which means neither
                of us can look at our phones. Highly recommended for couples.
                """,
            ),
            DemoPost(
                FERN,
                """
                I'm reading poetry for the first time since school. A short one every
                morning with my coffee. It's a tiny calm bit before the day starts.
                """,
            ),
            DemoPost(
                WILLOW,
                """
                Gardening books! I have a tiny balcony and very big ambitions.
                """,
            ),
            DemoPost(
                WREN,
                """
                Late to this, but: a podcast where two friends rewatch a 90s TV show
                episode by episode. Pure comfort.
                """,
            ),
        ),
    ),
    DemoThread(
        category="off-topic",
        title="Describe your pet (since we can't post photos)",
        started_days_ago=80,
        replies_within_days=50,
        opening=DemoPost(
            BROOK,
            """
            No photos here, so let's do it in words. Ours is a rescue greyhound called
            Biscuit who sleeps twenty hours a day and thinks the sofa is his. Every
            evening he sighs very loudly as if he's had a long day at the office.
            """,
        ),
        replies=(
            DemoPost(
                MAPLE,
                """
                You all know about my cat. Her name is Mango, she's orange, she has
                exactly one brain cell, and she *will* find you when you're trying to
                have a quiet moment.
                """,
            ),
            DemoPost(
                LARK,
                """
                Two guinea pigs, Salt and Pepper. They scream whenever the fridge opens.
                Every single time. Even if it's just me getting milk.
                """,
            ),
            DemoPost(
                CLOVER,
                """
                No pets (landlord), but there's a neighbourhood cat who visits my
                windowsill every afternoon. I have named him Sir Reginald. He doesn't know.
                """,
            ),
            DemoPost(
                OTTER,
                """
                An elderly tortoise called Gerald who was my grandad's. He's older than
                me. He has opinions about lettuce.
                """,
            ),
            DemoPost(BROOK, "Sir Reginald and Gerald should meet. Very distinguished pair."),
            DemoPost(
                WILLOW,
                """
                A very small, very loud terrier called Pip who is convinced she's a
                guard dog. She guards mostly against the postman and leaves.
                """,
            ),
            DemoPost(
                WREN,
                """
                Not mine, but my sister's rabbit, Dumpling, who I rabbit-sit every summer.
                He once ate the corner of my passport. I still have it, slightly nibbled.
                """,
            ),
        ),
    ),
)


# --- Journeys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoEntry:
    days_ago: int
    note: str = ""
    milestone: str = ""
    dilator_size: str = ""
    comfort: int | None = None
    shares_comfort: bool = False
    is_shared: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "note", inspect.cleandoc(self.note))


# Three of the progress stories above are journeys: their opening post is where the member
# started, and these are their entries (shared and private, with a setback and a break).
JOURNEYS: dict[str, tuple[DemoEntry, ...]] = {
    'A year in: from "I can\'t even look at a tampon" to here': (
        DemoEntry(
            380,
            """
            Bought the set. It is sitting in its box on the top shelf and I am allowed to
            just look at it this week.
            """,
            milestone="started_dilating",
            comfort=2,
        ),
        DemoEntry(
            300,
            "The second one felt like a mountain for a month, and then one evening it didn't.",
            milestone="moved_up_a_size",
            dilator_size="2",
            comfort=5,
            shares_comfort=True,
        ),
        DemoEntry(
            230,
            """
            Nothing moves. I keep doing the sessions and I feel like I am standing still.
            Writing it down so future me remembers that this happened and passed.
            """,
            milestone="setback",
        ),
        DemoEntry(
            170,
            "Cried in the car park afterwards, happy tears. The nurse talked me through it.",
            milestone="first_examination",
        ),
        DemoEntry(
            150,
            "Just for me: told my sister today. She listened. That was enough.",
            is_shared=False,
        ),
        DemoEntry(
            60,
            "Size three, most evenings, without holding my breath.",
            milestone="moved_up_a_size",
            dilator_size="3",
            comfort=7,
            shares_comfort=True,
        ),
    ),
    "I took a two-month break and I'm back (a setback post)": (
        DemoEntry(
            200,
            "Physio gave me a plan with small steps. Starting with the smallest size.",
            milestone="started_dilating",
        ),
        DemoEntry(
            125,
            """
            Stepping back for a while. Work and family need all of me right now, and
            that is allowed.
            """,
            milestone="taking_a_break",
        ),
        DemoEntry(
            90,
            "Still not ready. Feeling guilty about it. Keeping this one to myself.",
            is_shared=False,
            comfort=3,
        ),
        DemoEntry(
            62,
            """
            Back, one size smaller than where I stopped. It was fine. Fine is plenty.
            """,
            milestone="setback",
            comfort=5,
        ),
    ),
    "Six months of dilator diary (with my spreadsheet, because of course)": (
        DemoEntry(
            190,
            "Day one of the diary. Columns: date, size, minutes, mood, one kind word.",
            milestone="started_dilating",
            comfort=3,
            shares_comfort=True,
        ),
        DemoEntry(
            120,
            """
            My partner sat with me and read aloud from our holiday book. We laughed at
            the bad jokes in it. Nothing else was expected of anyone.
            """,
            milestone="partner_joined",
            comfort=6,
            shares_comfort=True,
        ),
        DemoEntry(
            75,
            "Managed a tampon on a swimming day. Small thing, huge thing.",
            milestone="first_tampon",
        ),
        DemoEntry(
            40,
            "Rough week, spreadsheet says so too. Not sharing the numbers on this one.",
            comfort=2,
            is_shared=False,
        ),
    ),
}
